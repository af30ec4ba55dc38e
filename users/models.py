"""The platform's user: Django's own fields, under the platform's name.

Set from the project's start (Django recommends it, cookiecutter-django ships
one) so that fields a multi-center study will need — a display name, a
pseudonymous reader code, a password-change deadline — can be added with a
plain migration instead of swapping the user model under deployed data.
Code refers to it through ``users.models.User`` or ``settings.AUTH_USER_MODEL``,
never ``django.contrib.auth.models.User``.
"""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    pass
