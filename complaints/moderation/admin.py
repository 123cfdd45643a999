"""Back-office pages of the moderation models: rejection reasons and decisions."""
