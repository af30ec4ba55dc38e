"""``/api/auth/token/``: issue (POST, username + password) and revoke (DELETE) an API token.

Logins here count towards the same lockout as the login page (django-axes): the
credentials go through ``django.contrib.auth.authenticate`` with the request, so a
locked-out username+address answers 429 before its password is checked.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.auth import authenticated_user
from annotations.api.reading_schema import VALIDATION_ERRORS, DetailSerializer
from users.authentication import token_expires_at
from users.models import User
from users.services.tokens import token_issue, token_revoke


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="send as `Authorization: Token <token>`")
    expires = serializers.DateTimeField(help_text="after this the token is refused; ask for a new one")


class LockedOut(Throttled):
    default_detail = "Too many failed logins for this account from this address; try again later."


class _TokenPermission(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method == "POST":
            return True
        return IsAuthenticated().has_permission(request, view)


class TokenView(APIView):
    permission_classes = [_TokenPermission]

    def perform_authentication(self, request: Request) -> None:
        # Asking for a token needs no credential; an expired token header must not stand in the way.
        if request.method != "POST":
            super().perform_authentication(request)

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: VALIDATION_ERRORS,
            429: OpenApiResponse(DetailSerializer, description="locked out after repeated failed logins"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(request, **form.validated_data)
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if not isinstance(user, User) or not user.is_active:
            # DRF's own wording and status (obtain_auth_token), which clients already handle.
            raise ValidationError({"non_field_errors": ["Unable to log in with provided credentials."]})
        token = token_issue(user=user)
        expires: datetime = token_expires_at(token)
        return Response(TokenSerializer({"token": token.key, "expires": expires}).data)

    @extend_schema(
        operation_id="auth_token_destroy",
        request=None,
        responses={204: None, 401: DetailSerializer, 403: DetailSerializer},
    )
    def delete(self, request: Request) -> Response:
        token_revoke(user=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
