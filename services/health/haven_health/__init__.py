"""Haven health service: facilities, weekly epi-week reports, alert signals and thresholds as data, the alert
lifecycle, mortality against live population denominators, referrals."""
