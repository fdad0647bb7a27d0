"""WebSocket URL patterns; each channel app adds its consumers here."""

websocket_urlpatterns: list = []
