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
- Trust: a device pinned to the national trust anchor takes pass keys and revocations only
  from `GET /v1/trust/statement` (signed); the unsigned `GET /v1/trust/jwks` and
  `GET /v1/revocations` remain for devices without a pin.
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

# -- signed national trust, activity codes and the app (issue 17) ------------------------

TRUST_STATEMENT = """\
A compact JWS (RFC 7515) served as `application/jose`. This is the only trust list a
device pinned to a trust anchor may use; `GET /v1/trust/jwks` and `GET /v1/revocations`
stay for older devices and carry no signature.

Protected header: `{"alg": "EdDSA", "typ": "furusato-trust+jwt", "kid": <anchor
thumbprint>, "jwk": <anchor public JWK (kty, crv, x)>}`. `kid` is the RFC 7638 SHA-256
thumbprint (base64url) of the Ed25519 anchor key, which is not a pass-signing key. The
payload is a `TrustStatementPayload`: every pass-signing key (`jwks`), every revocation
ever made (`revocations`, complete, so one statement is a whole signed view), a sequence
number `seq` that only grows, `iat` and `exp` (epoch seconds).

A device accepts a statement only if its signature verifies with a pinned (or properly
announced) anchor, `typ`/`alg` are as above, `seq` is greater than the last accepted one,
it has not expired, and it lists at least one pass key; otherwise it keeps the last good
statement. The same statement (same `seq`, same bytes) is served again while nothing
changed and it is less than a day old; any change (key rotation or removal, a revocation,
an anchor announcement or switch) gives a new statement with the next `seq`.

Anchor rotation: `anchor_announcement` is a compact JWS (`typ` `furusato-anchor+jwt`,
signed by an anchor, `kid` its thumbprint) whose payload `{"iss", "v": 1, "iat", "anchor":
<JWK with kid>}` names that anchor's successor. Signed by the statement's own anchor, it
announces the next anchor (devices start trusting it too). After the switch, statements are
signed by the new anchor and carry the announcement its predecessor signed, so a device
that missed it can verify the succession with the anchor it pinned. An anchor that no
trusted anchor announced is never accepted.

Send the last `ETag` in `If-None-Match` to get `304 Not Modified` when nothing changed.
"""


ACTIVITY_CODE_KEYS = """\
One entry per activity this device may see dated `from` .. `from + days - 1` (default:
today in Japan and tomorrow). `seed` is a 32-byte Ed25519 private key bound to (activity,
day, device): a secret. Keep it in the device's secret store, never in a file, a database
or a log; the response has `Cache-Control: no-store`. The same request gives the same
keys again. `certificate` is a compact JWS (`typ` `furusato-activity-key+jwt`) signed by
a current pass-signing key (verify it with the keys of the trust statement); its payload
`{"iss", "v": 1, "sub": <kid>, "act", "day", "dev", "win": <window seconds>, "jwk":
<public key>, "iat", "nbf", "exp"}` binds the key to the activity, the day and the device.

With the key the device makes one activity code per window, offline: a compact JWS with
header `{"alg": "EdDSA", "typ": "furusato-activity+jwt", "kid": <kid>}` and payload
`{"act": <activity id>, "day": "YYYY-MM-DD", "dev": <device id>, "nbf": <window start>,
"exp": <window end>}`, windows aligned to the epoch (`nbf` = now rounded down to a
multiple of `window_seconds`). The registrant app sends it to `POST /v1/checkins:self`.
"""


SELF_CHECKIN = """\
No device token: the pass authenticates the registrant, the activity code proves presence
at the venue. The code is checked first; a refused code stores nothing and answers
`rejected` with `bad_code` (not an activity code: encoding, `typ`, `alg`, claims, window
longer than the server's), `code_bad_signature` (not signed by the key of its activity,
day and device), `code_key_revoked` (the device is disabled or no longer sees the
activity), `unknown_activity`, `code_wrong_day` (the code's day is not today in Japan, or
the activity moved to another day), `code_not_yet_valid` or `code_expired` (now is outside
[nbf - skew, exp + skew), skew 15 s by default).

With a valid code, the pass is verified at the server's receive time and the participation
decided exactly as for `POST /v1/checkins:batch` (same rejection reasons, revocation and
duplicate rules): one live participation per registrant and activity, whatever the way in.
An app check-in of a registrant already checked in at the gate is `duplicate` (and a gate
upload after an app check-in gets `duplicate` too). App check-ins are stored with `method`
`app` and are nobody's device upload: a device's close-out digest and its corrections
never include them; the activity's totals (`GET /v1/activities/{activity_id}/counts`,
receipts) count them. A retry after a lost response answers `duplicate`.
"""


ACTIVITY_COUNTS = """\
For the close-out screen: the gate's and the app's check-ins side by side. Every live
check-in at the activity (status `accepted`, not voided) counts once under its `method`;
`total` = `gate` + `app` (the receipt's `combined_unique_count`). `digest` follows the
close-out digest rule over every one of those ids, app check-ins included.
"""
