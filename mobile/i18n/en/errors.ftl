# What the citizen reads when something goes wrong: what happened, then
# what to do. Codes and causes go to the log, never here.

error-storage = The phone could not read or save the app's data. Try again; if it happens again, free some space and restart the app.
error-assignment-gone = This inspection is no longer yours: sync to see the ones assigned to you.
error-network = The server cannot be reached. Check the connection and try again: what you saved stays on the phone.
error-invalid-answer = The server answered in a way the app does not understand. Try again later; if it happens again, update the app.
error-server-busy = The server is very busy. Try again in a few minutes.
error-server-trouble = The server has a problem. Try again later: what you saved stays on the phone.
error-not-allowed = The server did not recognise this phone. Try again; if it happens again, reinstall the app.
error-refused-request = The server did not accept the request. Check what you entered and try again.

error-api-invalid_activation_code = This code is wrong, already used or expired. Check it, or ask the Comune's desk for a new one.
error-api-invalid_token = Your identity on this phone is no longer valid: activate it again.
error-api-too_many_attempts = Too many wrong attempts. Wait a few minutes and try again.
error-api-rate_limited = Too many requests in a short time. Try again in a few minutes.
error-api-invalid_credentials = Wrong email or password.
error-api-not_an_inspector = This account may not do site inspections.
error-api-invalid_nickname = Invalid nickname: 3 to 24 letters, digits, spaces or dashes.
error-api-no_results_here = You join the leaderboard once a report of yours in this Comune is confirmed or resolved.
error-api-nickname_taken = This nickname is already used in this Comune: choose another.
error-api-service_disabled = Your Comune does not offer this service.
error-api-not_found = Not found: check the code and try again.

error-refused = The Comune did not accept what was sent.
error-refused-outside_area = The place is outside the Comuni the app serves.
error-refused-service_disabled = The Comune of that place does not take reports from the app.
error-refused-unknown_category = The Comune of that place has no such category: choose another and try again.
error-refused-id_conflict = Something with the same id was already sent: create the report again.
error-refused-wrong_jurisdiction = The place is not in the Comune given.
error-refused-report_not_found = The report is no longer on the server.
error-refused-not_your_report = Only whoever sent the report may reopen it.
error-refused-not_resolved = Only a resolved report can be reopened: this one is already being handled again.

error-inspector-not-logged-in = Log in as an inspector first.
error-inspector-session-expired = Session expired: log in again. Recorded visits stay on the phone.

error-photo-format = Unsupported format: choose a JPEG or PNG photo.
error-photo-too-many-pixels = Image too large ({ $megapixels } megapixels): choose a smaller one.
error-photo-too-large = File too large ({ $mb } MB): choose a smaller one.
error-photo-unreadable = Unreadable image: choose another.
error-photo-not-prepared = The photo could not be prepared. Try again.
error-file-unreadable = { $file } could not be opened.

error-reopen-not-on-phone = This report is not on the phone.
error-reopen-not-resolved = Only a resolved report can be reopened.
error-reopen-pending = The reopen request is already waiting to be sent.
error-reopen-reason_too_short = Say in at least { $min } characters why the problem is not fixed.
error-reopen-reason_too_long = The reason is too long: at most { $max } characters.
error-reopen-reason_invalid = The reason contains characters that are not allowed: delete them and try again.
error-reopen-requested_in_future = The phone's date and time are in the future: correct them and try again.
error-reopen-requested_too_early = The phone's date and time are behind: correct them and try again.
error-reopen-invalid_id = The request is not valid: try again.

error-report-invalid_coordinates = The position is not valid: take the position again.
error-report-invalid_accuracy = The position's accuracy is not valid (at most { $max } m): take the position again.
error-report-description_empty = Say what you saw.
error-report-description_too_long = The description is too long ({ $n } characters, at most { $max }).
error-report-description_invalid = The description contains characters that are not allowed: delete them and try again.
error-report-invalid_category = Choose a category from the list.
error-report-too_many_photos = At most { $max } photos per report.
error-report-invalid_photo_ref = A photo is not valid: remove it and add it again.
error-report-captured_in_future = The phone's date and time are in the future: correct them and try again.
error-report-captured_too_early = The phone's date and time are behind: correct them and try again.

error-inspection-invalid_fix = The GPS position is not valid: take it again.
error-inspection-too_far = You are { $distance } m from the report (accuracy ±{ $accuracy } m): confirming needs you within { $radius } m, accuracy included. Move closer or wait for a better signal.
error-inspection-photo_required = Confirming needs a photo taken now, on site.
error-inspection-invalid_photo = The photo is not valid: take another.
error-inspection-photo_stale = The photo is { $minutes } minutes old: it must be from the last 30 minutes.
error-inspection-fix_stale = The GPS position is { $minutes } minutes old: take it again.
error-inspection-future_time = The phone's date and time are in the future: correct them and try again.
error-inspection-note_required = Say what you found on site (3 to 1000 characters).
error-inspection-note_too_long = The note is too long: at most 1000 characters.
