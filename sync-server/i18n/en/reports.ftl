# The reports' dashboard pages: queue, report, photos, department, inspection, statistics.

# A report's status, by its code.
rep-status-submitted = Submitted
rep-status-in_moderation = In moderation
rep-status-published = Published
rep-status-rejected = Rejected
rep-status-assigned_to_department = Assigned to a department
rep-status-confirmed_by_inspector = Confirmed by an inspector
rep-status-in_progress = In progress
rep-status-resolved = Resolved
rep-status-closed = Closed
rep-status-duplicate_of = Duplicate

rep-tab-queue = Moderation
rep-tab-my-office = My department
rep-tab-offices = Departments
rep-tab-stats = Statistics

rep-queue-title = Reports of { $comune }
rep-queue-heading = Reports
rep-queue-your-comuni = Your Comuni
rep-queue-transferred = Report transferred: it is now in the other Comune's moderation queue.
rep-queue-transferred-to = Report transferred to the Comune of { $comune }: it is now in its moderation queue.
rep-queue-empty = No reports match these filters.
rep-queue-count-capped = { $n } reports (the first { $limit }: narrow the filters)
rep-queue-caption = Reports, oldest first
rep-count = { $n ->
    [one] 1 report
   *[other] { $n } reports
}
rep-filters = Filters
rep-filter-submit = Filter
rep-filter-all = All
rep-filter-in-moderation = In moderation
rep-filter-published = Published
rep-filter-assigned = Assigned to a department
rep-filter-confirmed = Confirmed on site
rep-filter-in-progress = In progress
rep-filter-resolved = Resolved
rep-filter-rejected = Rejected
rep-field-status = Status
rep-field-category = Category
rep-field-waiting = Waiting for
rep-field-comune = Comune
rep-field-department = Department
rep-field-place = Place
rep-field-channel = Channel
rep-field-code = Code
rep-waiting-any = any time
rep-waiting-at-least = { $days ->
    [1] at least 1 day
   *[other] at least { $days } days
}
rep-col-received = Received
rep-col-description = Description
rep-col-photos = Photos
rep-show = Show
rep-map-title = Map of the reports listed in the Comune of { $comune }
rep-map-caption = In red the reports in moderation, in blue the others. Select a point to open it.

rep-report-done = Done: the report is now "{ $status }". The citizen will see it at the next sync.
rep-report-reason = Reason:
rep-report-duplicate-of = Duplicate of
rep-report-this-report = this report
rep-open-map = open the map
rep-photos-hint = Open a photo to enlarge it and blur faces or number plates before publishing.
rep-photo-open-alt = Photo { $n } of the report: open the viewer
rep-reopens = Reopened by the citizen
rep-transfers = Transfers
rep-transfer-from-to = from { $from } to { $to }
rep-actions = Actions
rep-action-publish = Publish
rep-choose = — choose —
rep-action-reject-reason = Reason for rejecting
rep-action-reject = Reject
rep-action-assign = Assign to the department
rep-action-original = Duplicate of (code or address)
rep-action-duplicate = Mark as duplicate
rep-action-recategorize = Change category
rep-action-transfer-to = Transfer to the Comune
rep-action-transfer-reason = Reason
rep-action-transfer = Transfer

rep-photo-n-of = Photo { $n } of { $count }
rep-photo-back = Back to the report ({ $category })
rep-photo-blurred = Region blurred: the original was deleted and this copy replaces it.
rep-photo-others = Other photos
rep-photo-previous = Previous photo
rep-photo-next = Next photo
rep-photo-alt = Photo { $n } of the report "{ $category }"
rep-blur-heading = Blur a region
rep-blur-hint = Drag over the photo to mark faces or number plates, or type the region as percentages of the photo.
rep-blur-left = From the left (%)
rep-blur-top = From the top (%)
rep-blur-width = Width (%)
rep-blur-height = Height (%)
rep-blur-submit = Blur this region

rep-office-intro = The reports handed to the department. Open one to set it in progress or mark it resolved.
rep-office-open = To work on
rep-office-empty = No reports in this list.
rep-office-count-capped = { $n } reports (the first { $limit })
rep-office-caption = The department's reports
rep-work-heading = The department's work
rep-work-intro = The citizen gets the status and the note at the app's next sync.
rep-work-note = Note for the citizen (required when resolved)
rep-work-photo = Photo of the work (optional)
rep-work-start = Set in progress
rep-work-resolve = Mark as resolved
rep-history = History
rep-history-photo-alt = Photo attached to the status "{ $status }"

rep-inspection-heading = Site inspection
rep-inspection-asked = Asked of { $inspector } on { $when } (UTC) by { $by }
rep-inspection-waiting = waiting for the visit
rep-inspection-instructions = Instructions:
rep-inspection-confirmed = Confirmed on site
rep-inspection-not-found = Not found on site
rep-inspection-distance = { $distance } m from the reported point, GPS accuracy ±{ $accuracy } m
rep-inspection-far = (beyond { $radius } m: judge whether the check is reliable)
rep-inspection-photo-alt = Photo of the inspection
rep-inspection-no-inspectors = No inspector is enabled for this Comune.
rep-inspection-inspector = Inspector
rep-inspection-instructions-field = Instructions (optional)
rep-inspection-ask = Request an inspection
rep-inspection-ask-again = Request a new inspection

rep-stats-period = Period
rep-stats-received = Reports received
rep-stats-period-days = last { $days } days
rep-stats-period-all = all time
rep-stats-total = reports received ({ $period })
rep-stats-median-first = median time to a first answer (of { $n })
rep-stats-median-resolution = median time to resolution (of { $n })
rep-stats-out-of = of { $n }
rep-stats-note = First answer: publishing, rejecting, marking as duplicate or assigning. Times start when the report reaches the server.
rep-stats-empty = No reports in this period.
rep-stats-table-label = Statistics by category
rep-stats-caption = Reports by category and status, and median times
rep-stats-col-total = Total
rep-stats-col-first = First answer
rep-stats-col-resolution = Resolution
rep-stats-assigned = Assigned
rep-stats-confirmed = Confirmed
rep-stats-closed = Closed
rep-stats-duplicates = Duplicates
rep-stats-other = Other
rep-wait-under-a-minute = < 1 min
rep-wait-minutes = { $m } min
rep-wait-hours = { $h } h { $m } min
rep-wait-days = { $d } d { $h } h

rep-live-one = 1 new report has arrived.
rep-live-many = {"{"}n{"}"} new reports have arrived.
rep-live-reload = Refresh the list
rep-live-too-many-title = Too many windows open
rep-live-too-many = Live updates are already open in other windows: close one and reload.

rep-error-unknown-status = Unknown status "{ $status }": choose one from the list.
rep-error-unknown-category = Unknown category for this Comune.
rep-error-invalid-age = Invalid waiting time: choose a value from the list.
rep-error-choose-comune = Choose a Comune from the list.
rep-error-blur-numbers = Give the region as four numbers (percentages).
rep-error-blur-region = The region must lie inside the photo and be at least 1% wide and high.
rep-error-choose-reason = Choose a reason from the list.
rep-error-original = Give the code or the address of the original report.
rep-error-unknown-action = Unknown action "{ $action }": reload the page.
rep-error-unknown-department = Unknown department "{ $department }".
rep-error-work-form = Invalid form or photo too large (at most { $mb } MB).
rep-error-work-action = Choose "in progress" or "resolved".
rep-error-period = Invalid period: choose 30, 90 or 365 days, or all time.
rep-error-live-since = Invalid time: reload the page.

# A service's refusals, by their stable code.
error-control_characters = The note contains control characters that are not allowed.
error-note_required = Say what was done: the citizen reads it with the outcome.
error-photo_storage = The photo could not be saved: try again shortly.
error-photo_not_uploaded = The photo has not arrived from the phone yet: try again later.
error-not_inspectable = A report in this status cannot be inspected: publish it first.
error-unknown_inspector = No inspector with this email for this Comune.
error-instructions_too_long = Instructions too long: at most 500 characters.
error-inspection_required = Only an inspector on site can confirm: request an inspection.
error-unknown_rejection_reason = Rejection reason not in the list: choose one of those offered.
error-report_closed = The report is closed: its category can no longer change.
error-unknown_category = Unknown category for this Comune.
error-same_category = The report already has this category.
error-invalid_reason = The reason is too short or too long: write it again (at most 500 characters).
error-same_comune = The report already belongs to this Comune.
error-not_transferable = A report in this status can no longer be transferred.
error-unknown_comune = Unknown Comune: choose one from the list.
error-category_not_served = That Comune does not handle this category: change it before transferring.
error-not_an_image = The file is not a photo: choose a JPEG or PNG image.
error-image_too_large = The photo is too large.
error-unreadable_image = The photo cannot be read: choose another one.
error-image_encode_failed = The photo could not be processed: try again.
error-too_many_items = At most 100 inspections at a time: the phone sends the others at its next sync.
