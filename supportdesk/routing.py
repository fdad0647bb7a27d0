"""WebSocket URL patterns; each channel app adds its consumers here."""

from conversations.routing import websocket_urlpatterns as conversations_routes

websocket_urlpatterns: list = [*conversations_routes]
