"""Problem parcels keep their step plan with each step's state, the agent's choice and the notice values."""

from django.db import migrations, models


def plans_for_reported_parcels(apps, schema_editor):
    """Parcels reported before steps existed get their kind's plan, the first `steps_done` steps done.

    Those parcels told the customer when they were reported, so no step informs the customer again.
    """
    from kefu.express.rules import InputError, problem_parcel_kind

    ProblemParcel = apps.get_model("express", "ProblemParcel")
    for problem in ProblemParcel.objects.select_related("waybill__destination", "reported_by"):
        try:
            plan = problem_parcel_kind(problem.kind).plan()
        except InputError:
            continue
        for step in plan:
            step["informs_customer"] = False
            if step["no"] <= problem.steps_done:
                step["state"] = "done"
        station = problem.reported_by
        problem.steps = plan
        problem.notice_values = {
            "city": problem.waybill.destination.city or problem.waybill.destination.province,
            "station": station.name,
            "station_city": station.city or station.province,
            "address": station.address or station.name,
            "eta": "",
        }
        problem.save(update_fields=["steps", "notice_values"])


class Migration(migrations.Migration):
    dependencies = [
        ("express", "0002_scan_next_station_partial"),
        ("tickets", "0003_problem_parcel_type"),
    ]

    operations = [
        migrations.AddField(
            model_name="problemparcel",
            name="choice",
            field=models.CharField(
                blank=True,
                help_text="坐席记录的选择，如超区件的到站自提或转出",
                max_length=30,
                verbose_name="处理方式",
            ),
        ),
        migrations.AddField(
            model_name="problemparcel",
            name="notice_values",
            field=models.JSONField(blank=True, default=dict, verbose_name="告知客户用语参数"),
        ),
        migrations.AddField(
            model_name="problemparcel",
            name="steps",
            field=models.JSONField(
                default=list, help_text="每步：站点、动作、状态、处理人、时间、备注", verbose_name="处理步骤"
            ),
        ),
        migrations.RunPython(plans_for_reported_parcels, migrations.RunPython.noop),
        migrations.RemoveField(model_name="problemparcel", name="steps_done"),
    ]
