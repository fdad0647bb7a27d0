from django.urls import path

from conversations import webhooks

urlpatterns = [
    path("channels/email/inbound/<slug:tenant_slug>/<str:secret>/", webhooks.email_inbound, name="email_inbound"),
    path("channels/email/inbound/<slug:tenant_slug>/", webhooks.email_inbound, name="email_inbound_basic"),
    path("channels/sms/inbound/", webhooks.sms_inbound, name="sms_inbound"),
    path("channels/sms/inbound/<slug:tenant_slug>/", webhooks.sms_inbound, name="sms_inbound_store"),
    path("channels/sms/status/<slug:tenant_slug>/", webhooks.sms_status, name="sms_status"),
]
