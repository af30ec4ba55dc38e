"""The signed-in user of an API request, as the user model that services record.

Every API view requires ``IsAuthenticated`` (the REST_FRAMEWORK default), so by the
time a handler runs ``request.user`` is a ``User``; DRF still types it
``User | AnonymousUser``. Services store who acted in foreign keys to the user
model, so they take a ``User``: this narrows once, here, and should a view ever be
opened to anonymous callers by mistake it answers "not authenticated" rather than
handing an anonymous user to a service.
"""

from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from users.models import User


def authenticated_user(request: Request) -> User:
    user = request.user
    if isinstance(user, AnonymousUser):
        raise NotAuthenticated()
    return user
