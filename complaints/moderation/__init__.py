"""The moderation queue in the back office: its list filters and the complaint's form."""
