# The petitions' dashboard pages: list and rules, a petition, the review of signatures.

# A petition's status, by its code.
pet-status-draft = Draft
pet-status-submitted = Looking for co-sponsors
pet-status-in_moderation = In moderation
pet-status-open = Open for signatures
pet-status-awaiting_response = Awaiting the Comune's response
pet-status-awaiting_debate = Awaiting a council debate
pet-status-closed = Closed
pet-status-answered = Answered by the Comune
pet-status-rejected = Rejected

pet-tab = Petitions
pet-signatures = { $n ->
    [one] 1 signature
   *[other] { $n } signatures
}
pet-cosponsors-found = { $found } of { $needed } co-sponsors
pet-threshold-response = answer from the Comune
pet-threshold-debate = debate in the town council
pet-threshold-reached = reached
pet-rules-saved = Rules saved: they apply to proposals from now on.
pet-service-off = The Petitions service is not enabled in this Comune: citizens do not see petitions.
pet-waiting = { $n ->
    [0] No proposal is waiting for moderation.
    [one] 1 proposal is waiting for moderation.
   *[other] { $n } proposals are waiting for moderation.
}
pet-list-empty = No petitions in this Comune.
pet-list-caption = Petitions, from proposals to moderate to concluded ones
pet-col-petition = Petition
pet-col-created = Created
pet-field-status = Status
pet-field-signatures = Signatures
pet-rules-heading = The Comune's rules
pet-rules-intro = They apply to proposals made from now on; petitions already proposed keep their thresholds.
pet-rules-cosponsors = Co-sponsors needed
pet-rules-response = Signatures for an answer
pet-rules-debate = Signatures for a debate
pet-rules-months = Anonymisation (months after the end)
pet-rules-save = Save the rules

pet-back-to-list = All the petitions of { $comune }
pet-done-open = Petition open for signatures.
pet-done-rejected = Proposal rejected: the author reads the reason at the next sync.
pet-done-answered = Official answer published.
pet-done-invalidated = Signatures invalidated.
pet-field-who = Who may sign
pet-who-residents = Only residents of the Comune
pet-who-everyone = All verified citizens
pet-field-author = Proposed by
pet-author-citizen = a verified citizen
pet-field-closes = Closes
pet-field-duration = Duration
pet-duration-days = { $days } days from opening
pet-field-anonymised = Anonymised
pet-answer-heading = The Comune's official answer
pet-moderation = Moderation
pet-moderation-cosponsors = The proposal is still looking for its co-sponsors: it can be rejected now (offensive text, outside the Comune's remit…), it opens once it has them.
pet-open-for = Open for signatures for { $days } days
pet-reject-reason = Reason for rejecting (the author reads it)
pet-reject = Reject
pet-respond-heading = Official answer
pet-respond-intro = Publishing it concludes the petition: no more signatures are collected.
pet-respond-text = Text of the answer
pet-respond-submit = Publish the answer
pet-review-heading = Review of signatures
pet-review-anonymised = The signatures were deleted (anonymisation): the counts remain.
pet-review-bursts = { $n ->
    [0] No suspicious burst of signatures.
    [one] 1 ten-minute interval with a suspicious burst of signatures (highlighted).
   *[other] { $n } ten-minute intervals with a suspicious burst of signatures (highlighted).
}
pet-shared-heading = Phones used by several people
pet-shared-caption = A phone from which several people signed may belong to a family, or be an abuse.
pet-col-phone = Phone
pet-col-people = People
pet-col-from = From
pet-col-until = To
pet-col-action = Action
pet-col-since = From
pet-timeline-heading = Signatures every 10 minutes (UTC)
pet-timeline-label = Signatures over time
pet-burst = burst
pet-invalidate-preview = Preview invalidation
pet-history = History
pet-event-threshold = Threshold reached: { $threshold }
pet-event-invalidated = Signatures invalidated
pet-event-anonymised = Signers' data deleted
pet-event-by-citizen = a citizen
pet-event-closing-date = at the closing date
pet-event-expired = expired without co-sponsors

pet-invalidate-heading = Invalidate signatures
pet-invalidate-filters = Signatures to invalidate
pet-invalidate-phone = Phone (optional)
pet-invalidate-from = Received from (UTC)
pet-invalidate-until = to (UTC, excluded)
pet-invalidate-refresh = Refresh
pet-invalidate-matching = { $n ->
    [0] No valid signature matches: there is nothing to invalidate.
    [one] 1 valid signature matches.
   *[other] { $n } valid signatures match.
}
pet-invalidate-effect = Once invalidated they no longer count: the count drops by { $n } (from { $from } to { $to }). Thresholds already reached stay reached. Signers read it at their next sync, if they send the same signature again.
pet-invalidate-submit = Invalidate { $n } signatures

pet-error-date = Date and time "{ $value }" not valid: use the format YYYY-MM-DDTHH:MM.
pet-error-phone = Invalid phone code: copy it from the table of phones.
pet-error-preview = Invalid preview: show it again.
pet-error-preview-first = First look at the preview of the signatures to invalidate.

# A service's refusals, by their stable code.
error-service_disabled = The Petitions service is not enabled in this Comune.
error-id_conflict = This id is already used by another petition.
error-missing_cosponsors = Co-sponsors are missing (some signatures were invalidated): the proposal cannot open yet.
error-invalid_response = The answer needs 20 to 10,000 characters.
error-invalid_transition = This decision does not apply in the petition's current status.
error-empty_selection = Give a phone or a time window.
error-invalid_window = The start must come before the end.
error-invalid_title = The title needs 10 to 150 characters.
error-invalid_body = The text needs 50 to 5,000 characters.
error-invalid_text = The text contains control characters that are not allowed.
error-invalid_duration = A petition stays open from 7 days to 12 months.
error-invalid_thresholds = Invalid thresholds: the answer before the debate, at least 10 signatures.
error-invalid_cosponsors = Co-sponsors from 1 to 100, fewer than the answer threshold.
error-invalid_anonymisation = Anonymisation from 1 to 60 months after closing.
