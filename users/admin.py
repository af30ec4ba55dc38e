"""The user model in the admin, as Django's own user admin shows it."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from users.models import User

admin.site.register(User, UserAdmin)
