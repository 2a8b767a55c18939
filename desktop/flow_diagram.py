"""The pipeline as a row of stage boxes, with each stage's queue and waiting after a run.

The boxes come from the edited document, so the diagram follows edits at once; the figures
come from the baseline of the latest run and are shown for the stages they name. The stage
that adds the most waiting to the cycle time, the bottleneck, gets a highlighted border.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop.document import ProjectDocument
from desktop.figures import RunFigures, ScenarioFigures

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ARROW_GAP = 22.0  # pixels between boxes, room for the arrow


class FlowDiagram(QWidget):
    def __init__(self, document: ProjectDocument, parent=None):
        super().__init__(parent)
        self.document = document
        self.figures: ScenarioFigures | None = None
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        for signal in (document.reset, document.validated):
            signal.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(900, 150)

    def show_figures(self, figures: RunFigures) -> None:
        self.figures = figures.baseline_figures
        self.update()

    # -- geometry --------------------------------------------------------------------------

    def stages(self) -> list[dict]:
        stages = self.document.value(("project", "stages"), [])
        return [stage for stage in stages if isinstance(stage, dict)]

    def box_rects(self) -> list[QRectF]:
        count = len(self.stages())
        if not count:
            return []
        margin, top = 8.0, 8.0
        rework_room = 30.0 if any(stage.get("rework") for stage in self.stages()) else 6.0
        width = (self.width() - 2 * margin - ARROW_GAP * (count - 1)) / count
        height = self.height() - top - rework_room
        return [QRectF(margin + index * (width + ARROW_GAP), top, width, height)
                for index in range(count)]

    def stage_at(self, point: QPointF) -> int | None:
        for index, rect in enumerate(self.box_rects()):
            if rect.contains(point):
                return index
        return None

    # -- figures ---------------------------------------------------------------------------

    def stage_figures(self, name: str) -> tuple[float, float, float] | None:
        """Return (waiting days, queue length, active days) of a stage from the last run."""
        figures = self.figures
        if figures is None or name not in figures.stage_names:
            return None
        index = figures.stage_names.index(name)
        return (figures.stage_waiting_days[index], figures.stage_queue_length[index],
                figures.stage_active_days[index])

    def is_bottleneck(self, name: str) -> bool:
        return self.figures is not None and self.figures.bottleneck == name

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = self.palette()
        rects = self.box_rects()
        stages = self.stages()
        if not stages:
            painter.setPen(colours.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "No stages yet: add one in the Stages tab")
            return
        names = [str(stage.get("name", "")) for stage in stages]
        for index, (stage, rect) in enumerate(zip(stages, rects, strict=True)):
            self._paint_box(painter, stage, rect)
            if index + 1 < len(rects):
                self._paint_arrow(painter, QPointF(rect.right(), rect.center().y()),
                                  QPointF(rects[index + 1].left(), rect.center().y()))
        for index, stage in enumerate(stages):
            rework = stage.get("rework")
            if isinstance(rework, dict) and rework.get("to_stage") in names:
                target = names.index(rework["to_stage"])
                self._paint_rework(painter, rects[index], rects[target], rework)
        painter.end()

    def _paint_box(self, painter: QPainter, stage: dict, rect: QRectF) -> None:
        colours = self.palette()
        name = str(stage.get("name", ""))
        bottleneck = self.is_bottleneck(name)
        border = colours.color(QPalette.ColorRole.Highlight if bottleneck
                               else QPalette.ColorRole.Mid)
        painter.setPen(QPen(border, 3.0 if bottleneck else 1.0))
        painter.setBrush(colours.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 6, 6)

        text_rect = rect.adjusted(6, 4, -6, -4)
        bold = QFont(self.font())
        bold.setBold(True)
        lines: list[tuple[str, QFont, QPalette.ColorRole]] = [
            (name, bold, QPalette.ColorRole.Text)]
        lines.append((self._resource_text(stage), self.font(), QPalette.ColorRole.Text))
        extras = self._extras_text(stage)
        if extras:
            lines.append((extras, self.font(), QPalette.ColorRole.PlaceholderText))
        measured = self.stage_figures(name)
        if measured is not None:
            waiting, queue, active = measured
            lines.append((f"{active:.1f} d work + {waiting:.1f} d wait", bold,
                          QPalette.ColorRole.Text))
            lines.append((f"average queue {queue:.1f}", self.font(), QPalette.ColorRole.Text))
        if bottleneck:
            lines.append(("bottleneck", bold, QPalette.ColorRole.Highlight))
        y = text_rect.top()
        for text, font, role in lines:
            metrics = QFontMetrics(font)
            if y + metrics.height() > text_rect.bottom() + 1:
                break
            painter.setFont(font)
            painter.setPen(colours.color(role))
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(text_rect.width()))
            painter.drawText(QRectF(text_rect.left(), y, text_rect.width(), metrics.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
            y += metrics.height() + 1
        painter.setFont(self.font())

    def _resource_text(self, stage: dict) -> str:
        pool = stage.get("pool")
        units = stage.get("units", 1)
        return f"{pool} x{units}" if pool else "no pool"

    def _extras_text(self, stage: dict) -> str:
        parts = []
        review = stage.get("review")
        if isinstance(review, dict):
            days = "/".join(WEEKDAYS[d] for d in review.get("weekdays", [])
                            if isinstance(d, int) and 0 <= d <= 6)
            parts.append(f"meets {days}, {review.get('slots')} slots")
        early = stage.get("early_stopping")
        if isinstance(early, dict) and isinstance(early.get("share"), (int, float)):
            parts.append(f"stops {early['share']:.0%}")
        return "; ".join(parts)

    def _paint_arrow(self, painter: QPainter, start: QPointF, end: QPointF) -> None:
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(QPen(colour, 1.5))
        painter.drawLine(start, end - QPointF(4, 0))
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([end, end + QPointF(-7, -4), end + QPointF(-7, 4)]))

    def _paint_rework(self, painter: QPainter, source: QRectF, target: QRectF,
                      rework: dict) -> None:
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        start = QPointF(source.center().x(), source.bottom())
        end = QPointF(target.center().x() + (8 if target == source else 0), target.bottom())
        depth = min(24.0, self.height() - source.bottom() - 4)
        path = QPainterPath(start)
        path.cubicTo(start + QPointF(0, depth), end + QPointF(0, depth), end + QPointF(0, 6))
        pen = QPen(colour, 1.2)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(QPen(colour, 1.2))
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([end, end + QPointF(-4, 7), end + QPointF(4, 7)]))
        probability = rework.get("probability")
        if isinstance(probability, (int, float)) and math.isfinite(probability):
            label = f"rework {probability:.0%}"
            middle = QPointF((start.x() + end.x()) / 2, start.y() + depth * 0.75)
            metrics = QFontMetrics(self.font())
            box = QRectF(middle.x() - metrics.horizontalAdvance(label) / 2 - 3,
                         middle.y() - metrics.height() / 2, metrics.horizontalAdvance(label) + 6,
                         metrics.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Window))
            painter.drawRect(box)
            painter.setPen(colour)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)

    # -- tooltips and theme ----------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def tooltip_at(self, point: QPointF) -> str | None:
        index = self.stage_at(point)
        if index is None:
            return None
        stage = self.stages()[index]
        name = str(stage.get("name", ""))
        lines = [name, self._resource_text(stage)]
        measured = self.stage_figures(name)
        if measured is None:
            lines.append("No figures yet: they appear after a run.")
        else:
            waiting, queue, active = measured
            total = waiting + active
            efficiency = active / total if total > 0 else math.nan
            lines += [f"active {active:.2f} days, waiting {waiting:.2f} days per experiment",
                      f"average queue {queue:.2f} experiments",
                      f"flow efficiency {efficiency:.0%}" if math.isfinite(efficiency) else ""]
            if self.is_bottleneck(name):
                lines.append("Bottleneck: this stage adds the most waiting.")
        return "\n".join(line for line in lines if line)
