from django.urls import path

from dashboard import orders, reviews, views

app_name = "dashboard"
urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("mentions/", views.mentions_page, name="mentions"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<int:review_id>/", reviews.review_page, name="review"),
    path("reviews/<int:review_id>/decide/", reviews.review_decide, name="review_decide"),
    path("conversations/<int:conversation_id>/", views.conversation_page, name="conversation"),
    path("conversations/<int:conversation_id>/<slug:action>/", views.conversation_action, name="action"),
    path(
        "conversations/<int:conversation_id>/orders/<int:order_id>/<slug:action>/",
        orders.order_action,
        name="order_action",
    ),
]
