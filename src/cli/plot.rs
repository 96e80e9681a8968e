//! `--plot FILE.svg|FILE.png`: the loss curves, the validation accuracy (or RMSE) when there is
//! a validation set, and for a classifier the confusion matrix of the test set. Text is drawn
//! with DejaVu Sans, built into the binary (`data/fonts/`, with its licence), so a PNG looks the
//! same on every machine.
//!
//! The picture is drawn in named steps: [`panels`] decides which panels exist (no panel for data
//! that does not exist), [`loss_panel`], [`metric_panel`] and [`confusion_panel`] draw one each,
//! and [`legend`] writes the key above the plotting area, off the data. Colours are the
//! Okabe–Ito palette (told apart with every common colour-vision deficiency), and the
//! validation curve is also dashed, so the two curves stay apart in grey print.

use backprop::io::atomic::write_atomically;
use backprop::{Error, Result};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

/// One epoch's figures.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub epoch: usize,
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    /// Validation accuracy or RMSE.
    pub val_metric: Option<f64>,
}

/// What the picture shows.
pub struct Figure<'a> {
    pub history: &'a [Point],
    /// "accuracy" or "RMSE".
    pub metric: &'a str,
    /// The loss panel's caption ("loss", or "loss (standardised targets)").
    pub loss_caption: &'a str,
    /// Class names and `counts[actual][predicted]`, for a classifier.
    pub confusion: Option<(&'a [String], &'a [Vec<usize>])>,
    /// Which set the confusion matrix counts ("test set", "training set").
    pub confusion_of: &'a str,
}

const FONT: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");
const PANEL: (u32, u32) = (520, 440);
/// At most this many points per curve (longer runs are thinned evenly).
pub const MAX_POINTS: usize = 2000;
/// Curves of at most this many points also mark each point.
const MARKED: usize = 30;
/// A loss axis turns logarithmic when its largest value is this many times its smallest.
const LOG_SPAN: f64 = 100.0;

/// Okabe–Ito blue: the training curve, and the confusion matrix's shade.
const BLUE: RGBColor = RGBColor(0, 114, 178);
/// Okabe–Ito vermillion: the validation loss.
const VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Okabe–Ito bluish green: the validation metric.
const GREEN: RGBColor = RGBColor(0, 158, 115);

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the built-in font is a valid TrueType file"));
    });
}

/// Checks that `path` names a picture type this can draw (before a long run, not after).
pub fn check_path(path: &Path) -> Result<()> {
    match extension(path).as_str() {
        "svg" | "png" => Ok(()),
        ext => Err(Error::Config(format!(
            "--plot {}: unknown picture type `{ext}`, expected a name ending in .svg or .png",
            path.display()
        ))),
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// The panels a figure has, left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panel {
    Loss,
    Metric,
    Confusion,
}

/// Which panels exist: the loss always; the validation metric only when some epoch measured
/// one; the confusion matrix only for a classifier.
fn panels(figure: &Figure) -> Vec<Panel> {
    let mut out = vec![Panel::Loss];
    if figure.history.iter().any(|p| p.val_metric.is_some()) {
        out.push(Panel::Metric);
    }
    if figure.confusion.is_some() {
        out.push(Panel::Confusion);
    }
    out
}

/// Draws the figure into `path` (SVG or PNG, by extension), written atomically.
pub fn save(path: &Path, figure: &Figure) -> Result<()> {
    register_font();
    check_path(path)?;
    let size = (PANEL.0 * panels(figure).len() as u32, PANEL.1);
    let fail = |e: String| Error::Config(format!("--plot {}: {e}", path.display()));
    match extension(path).as_str() {
        "svg" => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                draw(&root, figure).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            write_atomically(path, text.as_bytes())
        }
        "png" => {
            let (w, h) = size;
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                draw(&root, figure).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            write_atomically(path, &png(&rgb, w, h).map_err(|e| fail(e.to_string()))?)
        }
        _ => unreachable!("checked by check_path"),
    }
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let kinds = panels(figure);
    let areas = root.split_evenly((1, kinds.len()));
    let points = thin(figure.history);
    for (kind, area) in kinds.iter().zip(&areas) {
        match kind {
            Panel::Loss => loss_panel(area, &points, figure.loss_caption)?,
            Panel::Metric => metric_panel(area, &points, figure.metric)?,
            Panel::Confusion => {
                let (classes, counts) = figure.confusion.expect("a confusion panel has counts");
                confusion_panel(area, classes, counts, figure.confusion_of)?
            }
        }
    }
    Ok(())
}

/// At most [`MAX_POINTS`] points, evenly spaced, always keeping the last.
fn thin(history: &[Point]) -> Vec<Point> {
    let step = history.len().div_ceil(MAX_POINTS).max(1);
    history
        .iter()
        .enumerate()
        .filter(|(k, _)| k % step == 0 || k + 1 == history.len())
        .map(|(_, p)| *p)
        .collect()
}

/// The x range of the curves: first to last epoch (at least one epoch wide).
fn epochs(points: &[Point]) -> std::ops::Range<f64> {
    let first = points.first().map_or(1, |p| p.epoch) as f64;
    let last = (points.last().map_or(1, |p| p.epoch) as f64).max(first + 1.0);
    first..last
}

/// A curve: its name in the legend, its colour, whether it is dashed, and its points.
struct Curve {
    name: &'static str,
    colour: RGBColor,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

/// The loss panel: training and (when measured) validation loss, on a log axis when the
/// losses span more than [`LOG_SPAN`].
fn loss_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[Point],
    caption: &str,
) -> DrawResult<DB> {
    let mut curves = vec![Curve {
        name: "training",
        colour: BLUE,
        dashed: false,
        points: points
            .iter()
            .map(|p| (p.epoch as f64, p.train_loss))
            .collect(),
    }];
    let validation: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.val_loss.map(|v| (p.epoch as f64, v)))
        .collect();
    if !validation.is_empty() {
        curves.push(Curve {
            name: "validation",
            colour: VERMILLION,
            dashed: true,
            points: validation,
        });
    }
    let finite = || {
        curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
    };
    let high = finite().fold(0.0f64, f64::max).max(1e-12);
    let low = finite().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
    let chart_area = legend(area, caption, &curves)?;
    if low.is_finite() && high / low > LOG_SPAN {
        let y = (low / 1.5..high * 1.5).log_scale();
        curve_chart(&chart_area, epochs(points), y, "loss (log scale)", &curves)
    } else {
        curve_chart(
            &chart_area,
            epochs(points),
            0.0..high * 1.05,
            "loss",
            &curves,
        )
    }
}

/// The validation accuracy or RMSE. Accuracy's axis covers the values seen (padded, within
/// 0..1, at least 0.05 tall); RMSE's starts at 0.
fn metric_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[Point],
    metric: &str,
) -> DrawResult<DB> {
    let values: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.val_metric.map(|v| (p.epoch as f64, v)))
        .filter(|v| v.1.is_finite())
        .collect();
    let low = values.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
    let high = values.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max);
    let range = if metric == "accuracy" {
        let pad = ((high - low) * 0.1).max(0.01);
        let (mut lo, mut hi) = ((low - pad).max(0.0), (high + pad).min(1.0));
        if hi - lo < 0.05 {
            lo = (hi - 0.05).max(0.0);
            hi = (lo + 0.05).min(1.0);
        }
        lo..hi
    } else {
        0.0..high.max(1e-12) * 1.05
    };
    let curves = [Curve {
        name: "validation",
        colour: GREEN,
        dashed: true,
        points: values,
    }];
    let chart_area = legend(area, &format!("validation {metric}"), &[])?;
    curve_chart(&chart_area, epochs(points), range, metric, &curves)
}

/// Writes the caption and, on a strip of its own beneath it, the curves' key (a line sample and
/// a name each, centred); returns the area left for the chart, so the key never covers data.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    curves: &[Curve],
) -> std::result::Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let below = area.titled(caption, ("sans-serif", 22))?;
    let (strip, rest) = below.split_vertically(26);
    let font = ("sans-serif", 14).into_font();
    let widths: Vec<i32> = curves
        .iter()
        .map(|c| 28 + font.box_size(c.name).map_or(60, |(w, _)| w as i32) + 18)
        .collect();
    let (w, _) = strip.dim_in_pixel();
    let mut x = (w as i32 - widths.iter().sum::<i32>()) / 2;
    let y = 13;
    let left = Pos::new(HPos::Left, VPos::Center);
    for (c, width) in curves.iter().zip(widths) {
        let line = vec![(x, y), (x + 22, y)];
        let style = c.colour.stroke_width(2);
        if c.dashed {
            strip.draw(&DashedPathElement::new(line, 5, 3, style))?;
        } else {
            strip.draw(&PathElement::new(line, style))?;
        }
        strip.draw(&Text::new(
            c.name,
            (x + 28, y),
            font.clone().color(&BLACK).pos(left),
        ))?;
        x += width;
    }
    Ok(rest)
}

/// A chart of curves over epochs with the y axis `y` (linear or logarithmic), axis titles
/// `epoch` and `y_title`.
fn curve_chart<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    x: std::ops::Range<f64>,
    y: Y,
    y_title: &str,
    curves: &[Curve],
) -> DrawResult<DB>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    // Whole epochs only: at most 11 ticks, none between two epochs.
    let x_ticks = ((x.end - x.start).round() as usize + 1).min(11);
    let mut chart = ChartBuilder::on(area)
        .margin_left(8)
        .margin_right(18)
        .margin_bottom(6)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_title)
        .x_labels(x_ticks)
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-9 {
                format!("{x:.0}")
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| tick(*v))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for c in curves {
        let style = c.colour.stroke_width(2);
        if c.dashed {
            chart.draw_series(DashedLineSeries::new(c.points.clone(), 6, 4, style))?;
        } else {
            chart.draw_series(LineSeries::new(c.points.clone(), style))?;
        }
        // A short run's epochs as dots too (one epoch draws no line at all).
        if c.points.len() <= MARKED {
            let dot = |&(x, y): &(f64, f64)| Circle::new((x, y), 3, c.colour.filled());
            chart.draw_series(c.points.iter().map(dot))?;
        }
    }
    Ok(())
}

/// A tick label: at most four significant digits, exponent form for very small or large values.
fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if (-3..5).contains(&magnitude) {
        let decimals = (3 - magnitude).clamp(0, 6) as usize;
        let s = format!("{v:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        s
    } else {
        format!("{v:.1e}")
    }
}

/// The confusion matrix: rows are the actual classes (the first at the top), columns the
/// predicted ones; the shade is the share of the row's samples. The label areas are as wide as
/// the longest class name, so the axis titles sit next to the names.
fn confusion_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    classes: &[String],
    counts: &[Vec<usize>],
    of: &str,
) -> DrawResult<DB> {
    let k = classes.len() as i32;
    let label_font = ("sans-serif", 12).into_font();
    let name = |class: i32| -> String {
        let s = classes.get(class as usize).cloned().unwrap_or_default();
        s.chars().take(12).collect()
    };
    let widest = (0..k)
        .map(|c| label_font.box_size(&name(c)).map_or(0, |(w, _)| w))
        .max()
        .unwrap_or(0);
    let area = area.titled(&format!("confusion matrix ({of})"), ("sans-serif", 20))?;
    // Row `a` (actual class) is drawn at y = k − 1 − a, so the first class is at the top.
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .margin_top(4)
        .x_label_area_size(44)
        .y_label_area_size(widest + 34)
        .build_cartesian_2d((0..k - 1).into_segmented(), (0..k - 1).into_segmented())?;
    let centre = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(c) => Some(*c),
        _ => None,
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("predicted")
        .y_desc("actual")
        .x_labels(k as usize)
        .y_labels(k as usize)
        .x_label_formatter(&|v| centre(v).map_or(String::new(), name))
        .y_label_formatter(&|v| centre(v).map_or(String::new(), |c| name(k - 1 - c)))
        .label_style(label_font.clone())
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    let font_size = if k > 6 { 12 } else { 18 };
    let centred = Pos::new(HPos::Center, VPos::Center);
    for (a, row) in counts.iter().enumerate() {
        let total = row.iter().sum::<usize>().max(1) as f64;
        let y = k - 1 - a as i32;
        for (p, &n) in row.iter().enumerate() {
            let x = p as i32;
            let share = n as f64 / total;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                shade(share).filled(),
            )))?;
            let colour = if share > 0.5 { WHITE } else { BLACK };
            chart.draw_series(std::iter::once(Text::new(
                n.to_string(),
                (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                ("sans-serif", font_size)
                    .into_font()
                    .color(&colour)
                    .pos(centred),
            )))?;
        }
    }
    Ok(())
}

/// White for a share of 0, the palette's blue for 1, linearly between.
fn shade(share: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - share.clamp(0.0, 1.0) * (255.0 - c as f64)).round() as u8;
    RGBColor(mix(BLUE.0), mix(BLUE.1), mix(BLUE.2))
}

/// A PNG file of an RGB image, encoded by the `png` crate into memory (then written atomically).
fn png(rgb: &[u8], w: u32, h: u32) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(epoch: usize, val: Option<f64>) -> Point {
        Point {
            epoch,
            train_loss: 1.0 / epoch as f64,
            val_loss: val,
            val_metric: val,
        }
    }

    #[test]
    fn no_validation_means_no_metric_panel() {
        let history = [point(1, None), point(2, None)];
        let mut figure = Figure {
            history: &history,
            metric: "RMSE",
            loss_caption: "loss",
            confusion: None,
            confusion_of: "test set",
        };
        assert_eq!(panels(&figure), [Panel::Loss]);
        let with = [point(1, Some(0.5)), point(2, None)];
        figure.history = &with;
        assert_eq!(panels(&figure), [Panel::Loss, Panel::Metric]);
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(12.5), "12.5");
        assert_eq!(tick(1000.0), "1000");
        assert_eq!(tick(0.000_012), "1.2e-5");
    }

    #[test]
    fn png_decodes_to_the_same_pixels() {
        // A 2×1 image: one red pixel, one green, read back by the decoder.
        let rgb = [255, 0, 0, 0, 255, 0];
        let bytes = png(&rgb, 2, 1).unwrap();
        let decoder = png::Decoder::new(&bytes[..]);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2, 1));
        assert_eq!(&buf[..info.buffer_size()], &rgb);
    }
}
