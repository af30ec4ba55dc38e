"""Issuing and revoking API tokens (one per user, DRF's ``Token`` model)."""

from django.db import transaction
from rest_framework.authtoken.models import Token

from audit.services import audit_record
from users.authentication import token_expired
from users.models import User


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The user's token: the current one while it lives, else a new key (the old one stops working)."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_expired(token):
        return token
    if token is not None:
        token.delete()
    token = Token.objects.create(user=user)
    audit_record(action="token.issue", by=user, obj=user)
    return token


@transaction.atomic
def token_revoke(*, user: User) -> bool:
    """End the user's token at once; True when there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        audit_record(action="token.revoke", by=user, obj=user)
    return deleted > 0
