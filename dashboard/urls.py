from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("conversations/<int:conversation_id>/", views.conversation_page, name="conversation"),
    path("conversations/<int:conversation_id>/<slug:action>/", views.conversation_action, name="action"),
]
