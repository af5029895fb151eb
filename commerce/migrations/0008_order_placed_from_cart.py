from django.db import migrations, models


def mark_open_cart_orders(apps, schema_editor):
    """Orders still open when this field came were placed from a cart if their open key
    says so (`cart:<cart>:<version>`); paid or closed ones have no cart left to empty."""
    Order = apps.get_model("commerce", "Order")
    Order.objects.filter(open_key__startswith="cart:").update(placed_from_cart=True)


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0007_lifecycle_refunds_receipts_payment_page"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="placed_from_cart",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(mark_open_cart_orders, migrations.RunPython.noop),
    ]
