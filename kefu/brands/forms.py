"""The holiday schedule as a person enters it: the notice's lines with Chinese names, not JSON."""

from django import forms

from kefu.brands.models import CalendarYear
from kefu.standards.calendar import MAX_YEAR, MIN_YEAR, YearSchedule
from kefu.standards.holiday_notice import estimate_problems, notice_lines, parse_notice

EXAMPLE = "二、春节：2月5日至11日放假调休，共7天。2月14日（星期日）、2月20日（星期六）上班。"


class CalendarYearForm(forms.ModelForm):
    notice = forms.CharField(
        label="放假安排",
        widget=forms.Textarea(attrs={"rows": 12, "cols": 90, "placeholder": EXAMPLE}),
        help_text=(
            "每行一个节日：可直接粘贴国务院办公厅通知的条目，或按“春节 2027-02-05 至 2027-02-11 放假；"
            "2027-02-14、2027-02-20 上班”填写。保存前按农历和节气核对每个节日的当天在放假日期里。"
        ),
    )

    class Meta:
        model = CalendarYear
        fields = ("year", "source")
        help_texts = {"source": "如：国务院办公厅关于2027年部分节假日安排的通知"}
        widgets = {"source": forms.TextInput(attrs={"size": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update(min=MIN_YEAR, max=MAX_YEAR)
        if self.instance.pk:  # what is loaded, as lines it reads back
            schedule = YearSchedule.from_dict(
                {"year": self.instance.year, "source": self.instance.source, **self.instance.schedule}
            )
            self.fields["notice"].initial = notice_lines(schedule)

    def clean(self):
        data = super().clean()
        year, source, notice = data.get("year"), data.get("source"), data.get("notice")
        if not (year and source and notice):
            return data
        if not MIN_YEAR <= year <= MAX_YEAR:
            self.add_error("year", f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
            return data
        try:
            schedule = parse_notice(year, notice, source)
        except ValueError as exc:
            self.add_error("notice", str(exc))
            return data
        problems = estimate_problems(schedule)
        if problems:
            self.add_error("notice", problems)
            return data
        data["schedule"] = schedule
        return data
