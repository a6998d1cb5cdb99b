"""The composition root: the `kiosk` command line (`cli.main`), one module per command
(`cli.commands`), the code that builds the services from a config (`cli.compose`) and the
device doctor (`cli.doctor`). It may import every other package; nothing imports it."""
