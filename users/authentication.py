"""API tokens with a lifetime.

DRF's tokens never expire; a token copied into a script or a log would open the
platform for as long as the account lives. A token here is refused once it is older
than ``RCM_TOKEN_TTL`` seconds (from ``Token.created``, set when it is issued);
``POST /api/auth/token/`` then issues a new one (users/services/tokens.py).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_expires_at(token: Token) -> datetime:
    return token.created + timedelta(seconds=settings.RCM_TOKEN_TTL)


def token_expired(token: Token) -> bool:
    return timezone.now() >= token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused ("Token has expired.") past its lifetime."""

    def authenticate_credentials(self, key: str) -> tuple[object, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed("Token has expired.")
        return user, token
