# The dashboard's frame, sign-in and errors (the platform's part).

dash-brand = Casa del Cittadino
dash-skip-to-content = Skip to main content
dash-tagline = Staff dashboard
dash-logout = Sign out
dash-back-home = Back to the dashboard
dash-nav-sections = Sections of the Comune

dash-role-admin = metropolitan administrator
dash-role-moderator = moderator
dash-role-inspector = inspector
dash-role-operator = department operator

dash-login-title = Sign in
dash-login-heading = Staff sign-in
dash-login-intro = For the Comuni's moderators, inspectors and departments.
dash-login-email = Email
dash-login-password = Password
dash-login-submit = Sign in
dash-login-note = After a few failed attempts you must wait a moment before trying again. Sign-in with SPID or CIE will come here.
dash-login-wrong = Sign-in failed: wrong email or password.
dash-login-throttled = Too many sign-in attempts: try again in a few minutes.

dash-no-comuni-title = No Comune
dash-no-comuni-heading = No Comune assigned
dash-no-comuni-text = Your account has no Comune yet: ask the metropolitan administrator to assign you one.

dash-error-not-found-title = Page not found
dash-error-not-found = The page or the report does not exist.
dash-error-forbidden-title = Access not allowed
dash-error-forbidden = This page belongs to a Comune or a department you have no role in.
dash-error-bad-request-title = Invalid request
dash-error-conflict-title = Action no longer possible
dash-error-csrf-title = Form expired
dash-error-csrf = The form has expired or does not come from this page: reload it and try again.
dash-error-internal-title = Internal error
dash-error-internal = Something went wrong on our side: try again shortly.
dash-error-invalid-transition = This action is not possible in the current status: reload the page.
dash-error-stale-status = The status changed meanwhile: reload the page.
dash-error-control-characters = The text contains control characters that are not allowed.
dash-error-invalid-form = Invalid form: reload the page and try again.
dash-error-unknown-language = Language not available: choose Italian or English.
