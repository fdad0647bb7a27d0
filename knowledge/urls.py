from django.urls import path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("help/<slug:tenant_slug>/", views.article_list, name="article_list"),
    path("help/<slug:tenant_slug>/<slug:article_slug>/", views.article_detail, name="article"),
]
