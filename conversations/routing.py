"""WebSocket routes of the conversations app."""

from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from conversations.consumers.staff import StaffConsumer
from conversations.consumers.widget import WidgetConsumer

websocket_urlpatterns = [
    path("ws/widget/", WidgetConsumer.as_asgi()),
    # Signed in by cookie: only pages of this site may open it (no cross-site hijacking).
    # The widget checks its key's own allowed origins instead.
    path("ws/staff/", AllowedHostsOriginValidator(StaffConsumer.as_asgi())),
]
