badges-new-badge = New badge:
badges-new-badges = New badges:
badges-settings = ← Settings
badges-my-badges = My badges
badges-points = points
badges-points-for-verified-results-5-for = Points for verified results: 5 for an accepted report, 10 if confirmed on site, 20 if resolved, 1 for a counted signature, 50 when a petition of yours reaches its threshold.
badges-earned-with-verified-results-a-report = Earned with verified results: a report confirmed by an inspector or resolved by the Comune, a counted signature. They never say where you reported.
badges-no-badges-yet = No badges yet.
badges-earned-on = Earned on
badges-next-goals = Next goals
badges-choose-your-comune-in-the-settings = Choose your Comune in the settings first
badges-the-comune-s-leaderboard = The Comune's leaderboard
badges-only-those-who-join-appear-under = Only those who join appear, under the nickname they choose; it counts reports confirmed or resolved in this Comune, never where.
badges-leaderboard-not-fetched-yet = Leaderboard not fetched yet.
badges-nobody-on-it-yet = Nobody on it yet.
badges-results = results
badges-you = (you)
badges-you-take-part-as = You take part as
badges-nickname-3-to-24-characters = Nickname (3 to 24 characters)
badges-join = Join
badges-leave = Leave
badges-refresh-needs-the-network = Refresh (needs the network)

badges-name-accepted_reports = First report
badges-name-confirmed_reports = { $level ->
    [1] First report confirmed on site
   *[other] { $level } reports confirmed by an inspector
}
badges-name-resolved_reports = { $level ->
    [1] First report resolved
   *[other] { $level } reports resolved
}
badges-name-active_comuni = Active in { $level } Comuni
badges-name-petition_signer = Petition signer
badges-name-petition_threshold = Your petition reached its threshold
