"""The prose of the contract: what each operation means for a client. The generated document
(sync/openapi.yaml, `make contract`) carries it next to the schemas the server validates."""

from __future__ import annotations

INTRO = """\
JSON over HTTPS, versioned under `/v1`. Errors are RFC 9457 `application/problem+json`
documents (`Problem`); the `code` member is a stable machine-readable slug.

This document is generated from the reference server (`make contract`); the server serves
the same document at `/openapi.json`.

Conventions every client relies on:

- Devices authenticate with `Authorization: Bearer <device token>` (from
  `POST /v1/devices/enroll`). A `401` means the token is unknown or revoked: stop calling and
  re-enroll the device.
- Every device call may carry `Pending-Uploads: <n>`, the check-ins and corrections the device
  still holds for upload; every authenticated call counts as the device's last contact
  (`GET /v1/activities/{activity_id}/devices`).
- `429` and `503` carry `Retry-After` (integer seconds). Any operation may return them.
- Every response carries a standard `Date` header (RFC 9110, second resolution); devices
  derive their clock offset from it.
- Timestamps are RFC 3339 / ISO 8601 with a UTC offset (`2026-11-23T09:15:02.123+09:00`);
  timestamps without an offset are rejected. The server answers in UTC (`...Z`).
- Cursors (`since`, `cursor`) are opaque decimal strings: send back exactly what the previous
  response returned, or leave the parameter out to start from the beginning.
- Request bodies are closed (`additionalProperties: false`): unknown members are a `422`.
- A request the server never answered (connection dropped, timeout) may or may not have been
  processed: retry `POST /v1/checkins:batch` (or `POST /v1/checkins:corrections`) with the
  same `Idempotency-Key` and body.
- A participation is *live* while its check-in is `accepted` and not voided by a correction;
  it *counts* (toward premium) when it is live and evidenced: read from a verified pass, or a
  manual/paper record a coordinator attested (or a later duplicate of it was read from a
  pass). Duplicate detection and close-out digests use live check-ins; premium uses counting
  ones.
"""

ENROLL = """\
The enrollment token is consumed by the first successful call; a second use is `409`.
The device token is shown once: store it in the keyring, never in a file.
The device belongs to the municipality or organisation the token was issued for.
"""

ACTIVITIES = """\
A device enrolled for a municipality sees every activity of that municipality; a device
enrolled for an organisation sees that organisation's activities.
Incremental: every create or change of an activity gives it a new, higher revision.
Pass the previous response's `next_since` as `since` to get only activities created or
changed after it (ordered by revision, at most 1000 per response; repeat while the page
is full). A changed activity is sent again in full.
"""

JWKS = """\
Public; no device token needed. Every key that may have signed a valid pass is listed
(after a rotation the old key stays until it is removed). Send the last `ETag` in
`If-None-Match` to get `304 Not Modified` when nothing changed. Served as
`application/jwk-set+json` (RFC 7517).
"""

REVOCATIONS = """\
Without `cursor`: from the beginning. Each response lists revocations made after the
cursor (at most 1000; `has_more` is true when more are waiting: call again at once with
`next_cursor`). When nothing is new, the lists are empty and `next_cursor` equals the
cursor sent. Revocations are never withdrawn.
"""

UPLOAD_CHECKINS = """\
Idempotent twice over:

- **Idempotency-Key**: the whole response of a processed batch is stored under
  (device, key). A retry with the same key and the same body returns the identical
  stored response (even after faults such as a dropped connection after commit); the
  same key with a different body is `422` (`idempotency-key-reused`). Use a new key
  (e.g. a UUID) for every distinct batch.
- **Check-in id**: a check-in id (UUID made on the device) that the server already has
  from this device returns the stored result again (`accepted` stays `accepted`), whatever
  batch it arrives in; the content of the repeated item is ignored. An id that another
  device uploaded first is `rejected` with reason `conflict`, every time: the other device's
  check-in is unchanged and nothing of this item is stored as a check-in.

One registrant at one activity is one participation: if the activity already has a
live (accepted, not voided) check-in of the registrant (from any device), a new
check-in id gets `duplicate` with `first_checkin_id`, `first_device_id`,
`first_device_name` and `first_scanned_at` telling whose and when the live one is.

The scan time is `scanned_at_corrected` when given, else `scanned_at`. The server bounds it
(the tolerances are the server's configuration; the reference server's defaults in brackets):
it must not be later than the server's receipt plus the clock skew [300 s]
(`scanned_in_future`), and it must fall on the activity's date in Japan time, widened by the
day tolerance [2 h] on each side (`scanned_outside_activity_day`). A pass is verified at the
scan time (`iat` allows the clock skew); its expiry and any revocation are judged at
`max(scan time, received − upload delay)` [72 h]: a scan made offline before a revocation
counts when it is uploaded within the upload delay; uploaded later, it is judged as if
scanned then, so a back-dated scan cannot escape a revocation.

Rejection reasons (`status: rejected`, stable codes):
`unknown_activity`, `activity_not_permitted` (the activity is not this device's
municipality/organisation), `scanned_in_future`, `scanned_outside_activity_day`,
`pass_required` (method camera/wedge without a pass), `registrant_required` (method manual
without a registrant), `registrant_mismatch` (`registrant` differs from the pass `sub`),
`revoked`, `conflict` (the id belongs to another device), and the pass verification codes
`bad_encoding`, `wrong_type`, `unsupported_alg`, `unknown_key`, `bad_signature`,
`wrong_issuer`, `malformed`, `expired`, `not_yet_valid`. Rejected items are stored too, so a
repeated id gets the same rejection.

`counts` tells whether the participation the item records counts toward premium: for
`accepted`, it is evidenced (a verified pass, or `attestation` on a manual/paper record); for
`duplicate`, the participation it duplicates counts (a duplicate read from a pass proves a
participation first typed in by hand); `rejected` never counts. A manual or paper record
without `attestation` is `accepted` as recorded with `counts: false`.

Paper records (`method: paper`) may omit `registrant` (people without a registrant id);
each such check-in is its own participation.
"""

CORRECT_CHECKINS = """\
A coordinator or volunteer voids a check-in ("undo at gate", a wrong record) or restores
a voided one on the device; the device sends each correction here after the check-in's
own upload has been answered. A voided check-in stays stored but no longer counts
(premium participations, duplicate detection for later uploads from any device,
close-out digests and counts); a restored one counts again.

Items are applied one after another in request order (a void then a restore of one
check-in in one request ends restored). Results, one per item in request order:

- `applied`: the check-in's voided state changed.
- `unchanged`: the correction id was already processed and applied (a retry; the
  content of the repeated item is ignored), or the check-in is already in that state.
- `rejected` with `reason`: `unknown_checkin` (the server has no check-in with that id),
  `not_your_checkin` (the check-in, or the correction id, belongs to another device),
  `conflict` (a restore while the registrant has another live participation at the
  activity; the check-in stays voided and does not count). A repeated correction id
  gets the same rejection again. Clients treat any other reason as a final refusal.

Corrections are accepted after the device has closed out the activity (the device made
them before closing its day; only the upload came later). An earlier receipt is not
changed: close out again for a receipt of the corrected state.

Idempotent like `POST /v1/checkins:batch`: the response is stored under (device,
Idempotency-Key); the same key with the same body replays it, the same key with a
different body is `422` (`idempotency-key-reused`).
"""

CLOSE_OUT = """\
`digest` is the lower-case hex SHA-256 of the device's accepted check-in ids for the
activity: ids in canonical lower-case UUID form, sorted ascending (byte order), joined with
a single `\\n` (no trailing newline), encoded as ASCII. No ids: SHA-256 of the empty string
(`e3b0c442...b855`). The server computes `server_digest` the same way over the check-ins
it holds from this device for the activity that are live (status `accepted`, not voided
by a correction); `digest_match` tells whether they agree. Upload every check-in and
every correction before closing out. A device may close out again (each call gives a
new receipt).

Next to what the device sent (`device_count`, `device_digest`) the receipt states what the
server confirms: `received_count` check-ins from this device for the activity, of which
`rejected_count` (by reason in `rejected_reasons`), `duplicate_count` and `voided_count`;
`server_count` live ones, of which `counted_count` count toward premium; across all devices
`combined_unique_count` live and `combined_counted_count` counting participants. A device
shows the rejected ones apart and leaves them out of its record form.
`unsynced_devices` lists the other devices of the activity that last declared uploads
waiting (`Pending-Uploads`): close the day only when they have synced.
"""

ACTIVITY_DEVICES = """\
Every device that can upload to the activity (enrolled for its organisation, or for its
municipality without an organisation) and any other device that uploaded to it, ordered by
name: its last contact (any authenticated call, to within a few seconds), what it last
declared in `Pending-Uploads` and when, the check-ins of this activity the server received
from it, and its last close-out of the activity. A gate that closes the day names the
devices with `pending_uploads > 0`, or silent since the check-ins it knows of.
"""

PREMIUM = """\
Administrators only (the admin bearer token; `404` when the server has none configured).
Premium registration needs at least `threshold` (3) participations a fiscal year (April to
March, by activity date) in volunteer activities designated by a local government the
registrant is registered with; premium is held with up to `max_municipalities` (3) of them
(a prefecture does not count toward the three when a municipality inside it is registered).
Per local government: the counting participations at activities it designated, and whether
the registrant qualifies with it. Participations that do not count (a manual or paper record
without attestation) are listed with `not_counted_reason`.
"""
