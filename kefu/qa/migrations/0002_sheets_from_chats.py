"""Score sheets kept on chat sessions before the quality check had its own table move into it."""

from django.db import migrations


def forward(apps, schema_editor):
    ChatSession = apps.get_model("chat", "ChatSession")
    ScoreSheet = apps.get_model("qa", "ScoreSheet")
    ScoreSheetEvent = apps.get_model("qa", "ScoreSheetEvent")
    chats = ChatSession.objects.filter(qa_sheet__isnull=False, agent__isnull=False).order_by("pk")
    for chat in chats.iterator():
        data = chat.qa_sheet
        at = chat.ended_at or chat.started_at
        sheet = ScoreSheet.objects.create(
            ticket_id=chat.ticket_id,
            chat_id=chat.pk,
            agent_id=chat.agent_id,
            channel=data.get("channel", "chat"),
            profile=data.get("profile", ""),
            transcript={},
            sheet=data,
            total=data["total"],
            max_score=data["max_score"],
            pass_score=data["pass_score"],
            passed=data["passed"],
            scored_at=at,
        )
        ScoreSheetEvent.objects.create(sheet=sheet, kind="scored", at=at, new_total=data["total"])


def backward(apps, schema_editor):
    ChatSession = apps.get_model("chat", "ChatSession")
    ScoreSheet = apps.get_model("qa", "ScoreSheet")
    for sheet in ScoreSheet.objects.filter(chat__isnull=False).iterator():
        ChatSession.objects.filter(pk=sheet.chat_id).update(qa_sheet=sheet.sheet)


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0001_initial"),
        ("chat", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
