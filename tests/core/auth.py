"""Test helpers: sign a user in the way staff really are (password and a verified second factor)."""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglang.core.fresh import FRESH_SESSION_KEY
from qinglang.core.models import User


def otp_device(user: User) -> TOTPDevice:
    """Return the user's confirmed authenticator, creating one if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def login_verified(client: Client, user: User) -> Client:
    """Sign `user` into the test client with an OTP-verified session and return the client."""
    device = otp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[FRESH_SESSION_KEY] = time.time()  # a real sign-in has just entered a code
    session.save()
    return client
