"""The platform's own user model (``AUTH_USER_MODEL = "users.User"``)."""
