# The `casa` command line: what only it says. Statuses, refusals and
# errors come from the app's other files.

cli-error = Error: { $words }
cli-error-unexpected = Something went wrong. Try again; CASA_DEBUG=1 shows the details.
cli-error-no-display = No display available: start the app from a desktop session or under xvfb-run, or give a command (casa --help).
cli-error-command-line-only = This build is the command line alone: give a command (casa --help).
cli-error-cannot-open-data = The data in { $dir } could not be opened.
cli-error-pending-signatures = { $n } signatures of whoever uses the phone now are not sent yet: sync before changing identity.
cli-error-invalid-id = Invalid id: «{ $id }».
cli-error-report-not-on-phone = Report not found on this phone: { $id }.
cli-error-choose-comune = Choose your Comune first: sync, then see casa comuni.
cli-error-invalid-comune-code = Invalid ISTAT code: «{ $code }».
cli-error-invalid-position = Invalid position: «{ $value }». Write it as LAT,LON or LAT,LON,ACCURACY_M.
cli-error-invalid-network = Invalid network: «{ $value }». Write wifi or mobile.
cli-error-sync-failed = Sync failed: { $waiting } items stay on the phone.
cli-error-offline-no-leaderboard = No network, and no leaderboard fetched before.
cli-error-visit-refused = Visit not recorded.
cli-error-cannot-read-password = The password could not be read from the input.

cli-identity-activated = Identity activated: resident in { $comune }. You can now sign petitions.
cli-identity = Verified identity: resident in { $comune } ({ $code }).
cli-no-identity = No identity on this phone: ask the Comune's desk for a code.
cli-no-petitions = No petitions: sync, or your Comune does not collect them online.
cli-petition-cosponsors = { $status } · { $have } co-sponsors of { $needed }
cli-petition-signatures = { $status } · { $signatures } signatures
cli-petition-signatures-for = { $status } · { $signatures } signatures of { $needed } for the { $threshold }
cli-petition-reason = Reason: { $reason }
cli-signed = Signed on the phone: it will be sent at the next sync.
cli-withdrawal-recorded = Withdrawal recorded: it will be sent at the next sync.
cli-proposal-saved = Proposal saved on the phone: it will be sent at the next sync. Share its code with whoever wants to co-sponsor it.

cli-offline-leaderboard = No network: the leaderboard as last fetched.
cli-leaderboard-of = Leaderboard of { $comune } (reports confirmed or resolved)
cli-leaderboard-joined = You take part as «{ $nickname }»
cli-leaderboard-not-joined = You are not on it: casa leaderboard join NICKNAME
cli-leaderboard-empty = Nobody on it yet.
cli-leaderboard-you = ← you

cli-report-saved = Report saved: it will be sent at the next sync. { $id }
cli-syncing = Syncing: { $done }/{ $total } items, { $changes } updates
cli-synced = Synced: { $accepted } sent, { $rejected } refused, { $changes } status updates ({ $requests } requests)
cli-deferred = { $deferred } put off by the server (too many at once): still waiting, retry in { $seconds } s
cli-waiting = Waiting to be sent: { $n }
cli-last-sync = Last sync: { $when }
cli-never-synced = Never synced
cli-last-sync-failed = The last attempt failed.
cli-refused = Refused { $id }: { $reason }
cli-reopen-saved = Reopen request saved: it will be sent at the next sync.
cli-reopened = Reopened: «{ $reason }»
cli-reopen-waiting = waiting to be sent
cli-reopen-refused = refused: { $reason }
cli-no-reports = No reports.
cli-waiting-to-be-sent = waiting to be sent
cli-report-refused = refused: { $reason }
cli-comuni-not-fetched = The list of Comuni is not fetched yet: run casa sync.
cli-comune = { $code }  { $name }  services: { $services }  categories: { $categories }
cli-nearby-fetched = Public reports fetched on { $when } within { $radius } m of { $lat }, { $lon }
cli-nearby-none = No public reports fetched: casa sync --near-lat … --near-lon …

cli-inspector-visit-recorded = Visit recorded { $distance } m from the report: it will be sent at the next sync.
cli-inspector-logged-in = Logged in as an inspector: { $email } (until { $until })
cli-inspector-logged-out = Logged out.
cli-inspector-synced = Synced: { $accepted } visits accepted, { $refused } refused; { $assignments } reports to check
cli-inspector-instructions = Instructions: { $text }
cli-inspector-visit = { $outcome } at { $distance } m: { $state }
cli-inspector-refused = refused: { $reason }
cli-inspector-waiting = waiting to be sent
cli-inspector-accepted = accepted
cli-outcome-confirmed = Confirmed
cli-outcome-not_found = Not found
