"""Reminders: due items, Web Push, the team chat robot and the scheduler."""
