"""Haven reporting: the response as a whole. An archive of every event received, projections rebuilt from it, the
situation report, 3W and HXL exports, and a dashboard page for coordinators."""
