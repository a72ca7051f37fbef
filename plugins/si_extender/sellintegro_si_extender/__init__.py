"""SI Extender: raises sellintegro's window caps (days_back 14 -> 150, before_setup_days 7 -> 90)."""

DAYS_BACK = 150
BEFORE_SETUP_DAYS = 90
