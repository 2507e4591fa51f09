from django.urls import path

from syres.portal import views

app_name = "portal"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("consommation/", views.consumption, name="consumption"),
    path("consommation/<str:identifier>/", views.line_detail, name="line"),
    path("factures/", views.invoices, name="invoices"),
    path("factures/<int:invoice_id>/facture.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("factures/<int:invoice_id>/factur-x.xml", views.invoice_xml, name="invoice_xml"),
    path("factures/<int:invoice_id>/contestation/", views.dispute, name="dispute"),
    path("contrats/<int:contract_id>/resiliation/", views.termination, name="termination"),
    path("donnees/", views.personal_data, name="personal_data"),
    path("donnees/export.zip", views.personal_data_export, name="personal_data_export"),
    path("adresse/", views.address, name="address"),
    path("sites/<int:site_id>/adresse/", views.site_address, name="site_address"),
    path("banque/", views.bank_details, name="bank_details"),
]
