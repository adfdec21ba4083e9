"""Discord features, one cog per area, each a thin layer over the core.

``answers`` handles free text (mentions, DMs, answer channels) and the "Answer with FAQ"
message menu; ``commands`` the member slash commands. Moderator commands (``/faqmod``)
live in ``moderation``, loaded when present.
"""
