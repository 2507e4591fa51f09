from django.urls import path

from syres.accounts.views import PasswordChangeView

app_name = "accounts"

urlpatterns = [
    path("mot-de-passe/", PasswordChangeView.as_view(), name="password_change"),
]
