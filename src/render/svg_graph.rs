//! The cause-and-effect graph drawn as SVG, laid out in Rust.
//!
//! `layout-rs` places the nodes in layers and routes the links around them
//! (the Sugiyama method Graphviz's `dot` uses), so nobody needs Graphviz
//! installed. We use it for geometry only: a recording backend collects where
//! each node and each link ended up, and this module draws them itself, so the
//! picture carries what a reader needs — actors as colours with a legend,
//! events as pills and factors as boxes (derived ones with a dashed border),
//! links coloured, dashed and tipped by their sign — and a text alternative for
//! everything (`<title>` on the picture, every node and every link).
//!
//! Layout-rs is given a graph without cycles (we reverse the back links of a
//! depth-first search ourselves and draw them pointing the right way), one
//! link per ordered pair of nodes, and no labels on links. Its reachability
//! test walks every path and its crossing reduction is cubic in the width of
//! a layer, so a graph whose estimated work exceeds a bound — or with too many
//! nodes to read — is not drawn: the report says so instead (see
//! [`MAX_NODES`], [`MAX_PATH_WORK`], [`MAX_CROSSING_WORK`]).

use std::fmt::Write as _;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::{Point, Position};
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use maud::{Markup, html};
use petgraph::visit::EdgeRef;

use crate::check::Model;
use crate::check::model::{NodeKind, RuleId};
use crate::graph::{Graph, LinkKind, Sign};

/// The most nodes drawn: beyond this a picture of the whole graph is no
/// longer readable (use `whatif graph` and a dedicated viewer instead).
pub const MAX_NODES: usize = 150;
/// The most path steps layout-rs's reachability tests may walk (it visits
/// every path): a bound on the time the layout takes.
pub const MAX_PATH_WORK: u64 = 2_000_000;
/// The most work layout-rs's crossing reduction may do (see
/// `crossing_work`): about a second; a drawing that needs more is too
/// crowded to read anyway. The flagship model needs under 10,000.
pub const MAX_CROSSING_WORK: u64 = 1_000_000;

/// Why the graph was not drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotDrawn {
    /// The model has no node.
    Empty,
    /// More nodes than [`MAX_NODES`].
    TooManyNodes(usize),
    /// Too many paths or crossing links for the layout to finish quickly.
    TooDense,
}

impl std::fmt::Display for NotDrawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotDrawn::Empty => write!(f, "the model has no events or factors to draw"),
            NotDrawn::TooManyNodes(n) => write!(
                f,
                "the graph has {n} nodes, more than the {MAX_NODES} a drawing can show legibly; `whatif graph` exports it for a dedicated viewer"
            ),
            NotDrawn::TooDense => write!(
                f,
                "the graph has too many links across its layers to lay out quickly and read; `whatif graph` exports it for a dedicated viewer"
            ),
        }
    }
}

/// One link between two nodes, merging every rule, definition and hazard that
/// links them.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The cause (index into the model's nodes).
    pub from: usize,
    /// The effect.
    pub to: usize,
    /// The sign: the links' common sign, or unknown when they disagree.
    pub sign: Sign,
    /// What makes the link, in words, for its text alternative.
    pub by: Vec<String>,
}

/// The links of `graph` merged per ordered pair of nodes, in a stable order.
#[must_use]
pub fn edges(model: &Model, graph: &Graph) -> Vec<Edge> {
    let mut out: Vec<Edge> = Vec::new();
    let mut refs: Vec<_> = graph.graph.edge_references().collect();
    refs.sort_by_key(|e| (e.source().index(), e.target().index(), e.id().index()));
    for e in refs {
        let (from, to) = (
            graph.graph[e.source()].index(),
            graph.graph[e.target()].index(),
        );
        let link = e.weight();
        let by = match link.kind {
            LinkKind::Rule(r) => rule_words(model, r),
            LinkKind::Derived => "its definition".to_string(),
            LinkKind::Hazard => "its hazard".to_string(),
        };
        match out.last_mut() {
            Some(last) if last.from == from && last.to == to => {
                if last.sign != link.sign {
                    last.sign = Sign::Unknown;
                }
                if !last.by.contains(&by) {
                    last.by.push(by);
                }
            }
            _ => out.push(Edge {
                from,
                to,
                sign: link.sign,
                by: vec![by],
            }),
        }
    }
    out
}

fn rule_words(model: &Model, r: RuleId) -> String {
    let rule = model.rule(r);
    match rule.scenario {
        Some(s) => format!(
            "rule `{}` (scenario `{}`)",
            rule.name,
            model.scenario(s).name
        ),
        None => format!("rule `{}`", rule.name),
    }
}

/// A node placed on the picture.
#[derive(Clone, Debug, PartialEq)]
struct Placed {
    centre: (f64, f64),
    size: (f64, f64),
}

/// A link routed on the picture: Bézier control points as layout-rs gives
/// them (`M p0 C c0 p1' p1 S …`), and which ends carry an arrowhead.
#[derive(Clone, Debug, PartialEq)]
struct Route {
    path: Vec<((f64, f64), (f64, f64))>,
    heads: (bool, bool),
}

/// Collects the routes layout-rs draws; nodes are read from the graph after.
#[derive(Default)]
struct Recorder {
    routes: Vec<(usize, Route)>,
}

impl RenderBackend for Recorder {
    fn draw_rect(
        &mut self,
        _: Point,
        _: Point,
        _: &StyleAttr,
        _: Option<String>,
        _: Option<ClipHandle>,
    ) {
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _: bool,
        heads: (bool, bool),
        _: &StyleAttr,
        properties: Option<String>,
        _: &str,
    ) {
        let Some(index) = properties.and_then(|p| p.parse::<usize>().ok()) else {
            return;
        };
        let path = path.iter().map(|(a, b)| ((a.x, a.y), (b.x, b.y))).collect();
        self.routes.push((index, Route { path, heads }));
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// Font sizes of a node's name and actor, in pixels; the widths per
/// character are generous averages for a sans-serif face.
const NAME_PX: f64 = 13.0;
const ACTOR_PX: f64 = 10.5;
const NAME_CHAR: f64 = 7.6;
const ACTOR_CHAR: f64 = 6.2;
const NODE_HEIGHT: f64 = 38.0;
/// The room kept around each node (horizontally, vertically).
const HALO: Point = Point { x: 18.0, y: 36.0 };

fn short_name(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, n)| n)
}

fn node_size(model: &Model, i: usize) -> (f64, f64) {
    let node = &model.nodes[i];
    let actor = node
        .actor
        .map_or(0, |a| model.actors[a.index()].name.chars().count());
    let name = short_name(&node.name).chars().count();
    let w = (name as f64 * NAME_CHAR).max(actor as f64 * ACTOR_CHAR) + 28.0;
    (w.max(60.0).round(), NODE_HEIGHT)
}

/// The number of path steps a reachability walk over this acyclic graph
/// (given as successor lists in topological order) may take, saturating.
fn path_work(succ: &[Vec<usize>], order: &[usize]) -> u64 {
    let mut paths = vec![1u64; succ.len()];
    for &n in order.iter().rev() {
        paths[n] = succ[n]
            .iter()
            .fold(1u64, |acc, &s| acc.saturating_add(paths[s]));
    }
    succ.iter()
        .flatten()
        .fold(0u64, |acc, &s| acc.saturating_add(paths[s]))
}

/// An estimate of the work of layout-rs's crossing reduction, which compares
/// every pair of nodes in a layer against the next layer, fifty times over:
/// the sum over layers of width³, with layers from the longest path and long
/// links counted in every layer they cross (layout-rs puts a waypoint there).
fn crossing_work(succ: &[Vec<usize>], order: &[usize]) -> u64 {
    let mut layer = vec![0usize; succ.len()];
    for &n in order {
        for &s in &succ[n] {
            layer[s] = layer[s].max(layer[n] + 1);
        }
    }
    let depth = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut width = vec![0u64; depth];
    for (n, next) in succ.iter().enumerate() {
        width[layer[n]] += 1;
        for &s in next {
            for w in &mut width[layer[n] + 1..layer[s]] {
                *w += 1;
            }
        }
    }
    width
        .iter()
        .fold(0u64, |acc, &w| acc.saturating_add(w.saturating_pow(3)))
}

/// The edges oriented so that the graph has no cycle: a depth-first search in
/// node order keeps tree, forward and cross links and reverses back links.
/// Returns (for each edge, whether it was reversed) and a topological order.
fn orient(n: usize, edges: &[Edge]) -> (Vec<bool>, Vec<usize>) {
    let mut succ: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (k, e) in edges.iter().enumerate() {
        if e.from != e.to {
            succ[e.from].push((e.to, k));
        }
    }
    // 0 unseen, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut reversed = vec![false; edges.len()];
    let mut post = Vec::with_capacity(n);
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&(w, k)) = succ[v].get(*next) {
                *next += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[k] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                post.push(v);
                stack.pop();
            }
        }
    }
    post.reverse();
    (reversed, post)
}

/// A loop from a node's top edge round its upper right corner back into its
/// right side, in the margin layout-rs keeps around every node.
fn self_loop(p: &Placed) -> Route {
    let (right, top) = (p.centre.0 + p.size.0 / 2.0, p.centre.1 - p.size.1 / 2.0);
    let start = (right - 14.0, top);
    let end = (right, p.centre.1);
    Route {
        path: vec![
            (start, (right - 14.0, top - 26.0)),
            ((right + 30.0, p.centre.1), end),
        ],
        heads: (false, true),
    }
}

/// The graph laid out: node boxes and link routes, in picture coordinates.
struct Layout {
    nodes: Vec<Placed>,
    routes: Vec<Option<Route>>,
    width: f64,
    height: f64,
}

fn lay_out(model: &Model, edges: &[Edge]) -> Result<Layout, NotDrawn> {
    let n = model.nodes.len();
    if n == 0 {
        return Err(NotDrawn::Empty);
    }
    if n > MAX_NODES {
        return Err(NotDrawn::TooManyNodes(n));
    }
    let (reversed, order) = orient(n, edges);
    let mut succ = vec![Vec::new(); n];
    for (e, &r) in edges.iter().zip(&reversed) {
        if e.from != e.to {
            let (a, b) = if r { (e.to, e.from) } else { (e.from, e.to) };
            if !succ[a].contains(&b) {
                succ[a].push(b);
            }
        }
    }
    if path_work(&succ, &order) > MAX_PATH_WORK || crossing_work(&succ, &order) > MAX_CROSSING_WORK
    {
        return Err(NotDrawn::TooDense);
    }
    let dir = Orientation::TopToBottom;
    let mut vg = VisualGraph::new(dir);
    // Our input is acyclic already; layout-rs's own check after every change
    // walks every path of the graph.
    vg.dag.set_validate(false);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (w, h) = node_size(model, i);
            let mut element = Element::create(
                ShapeKind::Box(String::new()),
                StyleAttr::simple(),
                dir,
                Point::new(w, h),
            );
            // Layout-rs's default margin (60 px all round) spreads a graph of
            // a few dozen nodes wider than a page.
            element.pos = Position::new(Point::zero(), Point::new(w, h), Point::zero(), HALO);
            vg.add_node(element)
        })
        .collect();
    // One layout edge per ordered pair (a link each way between two nodes is
    // two routes, which layout-rs draws side by side once both point down).
    for (k, (e, &r)) in edges.iter().zip(&reversed).enumerate() {
        // Self-loops are drawn beside their node (see `self_loop`): layout-rs
        // would route them through a waypoint that can land far away.
        if e.from == e.to {
            continue;
        }
        let (a, b) = if r { (e.to, e.from) } else { (e.from, e.to) };
        let (start, end) = if r {
            (LineEndKind::Arrow, LineEndKind::None)
        } else {
            (LineEndKind::None, LineEndKind::Arrow)
        };
        let mut arrow = Arrow::simple("");
        arrow.start = start;
        arrow.end = end;
        arrow.properties = Some(k.to_string());
        vg.add_edge(arrow, handles[a], handles[b]);
    }
    let mut rec = Recorder::default();
    vg.do_it(false, false, false, &mut rec);
    let mut nodes: Vec<Placed> = handles
        .iter()
        .map(|&h| {
            let pos = vg.pos(h);
            let (c, s) = (pos.center(), pos.size(false));
            Placed {
                centre: (c.x, c.y),
                size: (s.x, s.y),
            }
        })
        .collect();
    let mut routes: Vec<Option<Route>> = vec![None; edges.len()];
    for (k, route) in rec.routes {
        if let Some(slot) = routes.get_mut(k) {
            *slot = Some(route);
        }
    }
    for (k, e) in edges.iter().enumerate() {
        if e.from == e.to {
            routes[k] = Some(self_loop(&nodes[e.from]));
        }
    }
    // Shift everything so the picture starts at a margin from the origin.
    let margin = 12.0;
    let mut lo = (f64::INFINITY, f64::INFINITY);
    let mut hi = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut grow = |x: f64, y: f64| {
        lo = (lo.0.min(x), lo.1.min(y));
        hi = (hi.0.max(x), hi.1.max(y));
    };
    for p in &nodes {
        grow(p.centre.0 - p.size.0 / 2.0, p.centre.1 - p.size.1 / 2.0);
        grow(p.centre.0 + p.size.0 / 2.0, p.centre.1 + p.size.1 / 2.0);
    }
    for r in routes.iter().flatten() {
        for (a, b) in &r.path {
            grow(a.0, a.1);
            grow(b.0, b.1);
        }
    }
    let (dx, dy) = (margin - lo.0, margin - lo.1);
    for p in &mut nodes {
        p.centre = (p.centre.0 + dx, p.centre.1 + dy);
    }
    for r in routes.iter_mut().flatten() {
        for (a, b) in &mut r.path {
            *a = (a.0 + dx, a.1 + dy);
            *b = (b.0 + dx, b.1 + dy);
        }
    }
    Ok(Layout {
        nodes,
        routes,
        width: hi.0 - lo.0 + 2.0 * margin,
        height: hi.1 - lo.1 + 2.0 * margin,
    })
}

/// Actor colours (fill, border): light tints that survive printing in grey,
/// borders dark enough to tell apart (after the Okabe–Ito palette).
pub const ACTOR_COLOURS: [(&str, &str); 8] = [
    ("#dcebf7", "#0b5f99"),
    ("#fbe6cc", "#a35c00"),
    ("#d8f0e4", "#00795a"),
    ("#f6dbe8", "#a33c74"),
    ("#fff6c2", "#8a7400"),
    ("#e2e2f5", "#4b4ba6"),
    ("#fadcd2", "#b23a12"),
    ("#e6e6e6", "#555555"),
];
/// The colour of nodes outside any actor.
pub const NO_ACTOR: (&str, &str) = ("#ffffff", "#333333");

/// The colours of an actor (by index), cycling through the palette.
#[must_use]
pub fn actor_colour(actor: Option<usize>) -> (&'static str, &'static str) {
    actor.map_or(NO_ACTOR, |a| ACTOR_COLOURS[a % ACTOR_COLOURS.len()])
}

/// How a sign is drawn: (CSS class, colour, dash pattern, marker id, words).
#[must_use]
pub fn sign_style(
    sign: Sign,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    match sign {
        Sign::Positive => (
            "pos",
            "#1d5fa6",
            "",
            "m-pos",
            "more of the cause, more of the effect",
        ),
        Sign::Negative => (
            "neg",
            "#c0392b",
            "7 4",
            "m-neg",
            "more of the cause, less of the effect",
        ),
        Sign::Unknown => ("unk", "#6b6b6b", "2 3", "m-unk", "direction not known"),
    }
}

/// A coordinate to a tenth of a pixel, without trailing zeros.
fn f(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

fn path_d(route: &Route) -> String {
    let p = &route.path;
    let mut d = String::new();
    if p.len() < 2 {
        return d;
    }
    let _ = write!(
        d,
        "M{} {} C{} {} {} {} {} {}",
        f(p[0].0.0),
        f(p[0].0.1),
        f(p[0].1.0),
        f(p[0].1.1),
        f(p[1].0.0),
        f(p[1].0.1),
        f(p[1].1.0),
        f(p[1].1.1)
    );
    for (a, b) in &p[2..] {
        let _ = write!(d, " S{} {} {} {}", f(a.0), f(a.1), f(b.0), f(b.1));
    }
    d
}

/// The graph of `model` as an SVG element, or why it was not drawn. `id`
/// prefixes the element ids so that several pictures can share a page.
///
/// # Errors
/// The graph is empty, too large to read, or has too many paths to lay out.
pub fn svg(model: &Model, graph: &Graph, id: &str) -> Result<Markup, NotDrawn> {
    let edges = edges(model, graph);
    let layout = lay_out(model, &edges)?;
    let events = model
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Event)
        .count();
    let summary = format!(
        "Cause-and-effect graph of “{}”: {} events and {} factors in {} actors, {} links ({} positive, {} negative, {} of unknown direction).",
        model.title,
        events,
        model.nodes.len() - events,
        model.actors.len(),
        edges.len(),
        edges.iter().filter(|e| e.sign == Sign::Positive).count(),
        edges.iter().filter(|e| e.sign == Sign::Negative).count(),
        edges.iter().filter(|e| e.sign == Sign::Unknown).count(),
    );
    let view = format!("0 0 {} {}", f(layout.width.ceil()), f(layout.height.ceil()));
    Ok(html! {
        svg class="graph" viewBox=(view) width=(f(layout.width.ceil())) height=(f(layout.height.ceil()))
            role="img" aria-labelledby=(format!("{id}-title")) {
            title id=(format!("{id}-title")) { (summary) }
            defs {
                @for sign in [Sign::Positive, Sign::Negative, Sign::Unknown] {
                    @let (_, colour, _, marker, _) = sign_style(sign);
                    marker id=(format!("{id}-{marker}")) viewBox="0 0 10 10" refX="9" refY="5"
                        markerWidth="7" markerHeight="7" orient="auto-start-reverse" {
                        @match sign {
                            Sign::Positive => path d="M0 0 L10 5 L0 10 z" fill=(colour) {},
                            Sign::Negative => path d="M0 0 L10 5 L0 10 z M8 0 h2 v10 h-2 z" fill=(colour) {},
                            Sign::Unknown => path d="M1 1 L9 5 L1 9 z" fill="#ffffff" stroke=(colour) stroke-width="1.5" {},
                        }
                    }
                }
            }
            g class="links" fill="none" {
                @for (e, route) in edges.iter().zip(&layout.routes) {
                    @if let Some(route) = route {
                        @let (class, colour, dash, marker, words) = sign_style(e.sign);
                        @let marker = format!("url(#{id}-{marker})");
                        g class=(format!("link {class}")) {
                            title {
                                (model.nodes[e.from].name) " → " (model.nodes[e.to].name)
                                " (" (e.sign.symbol()) ": " (words) "), by " (e.by.join(", "))
                            }
                            path d=(path_d(route)) stroke=(colour) stroke-width="1.6"
                                stroke-dasharray=[(!dash.is_empty()).then_some(dash)]
                                marker-end=[route.heads.1.then_some(&marker)]
                                marker-start=[route.heads.0.then_some(&marker)] {}
                        }
                    }
                }
            }
            g class="nodes" {
                @for (node, p) in model.nodes.iter().zip(&layout.nodes) {
                    @let (fill, border) = actor_colour(node.actor.map(|a| a.index()));
                    @let (x, y) = (p.centre.0 - p.size.0 / 2.0, p.centre.1 - p.size.1 / 2.0);
                    @let radius = if node.kind == NodeKind::Event { p.size.1 / 2.0 } else { 3.0 };
                    @let kind = match (node.kind, node.derived.is_some()) {
                        (NodeKind::Event, false) => "event",
                        (NodeKind::Event, true) => "derived event",
                        (NodeKind::Factor, false) => "factor",
                        (NodeKind::Factor, true) => "derived factor",
                    };
                    @let actor = node.actor.map(|a| model.actors[a.index()].name.as_str());
                    g class=(format!("node {}", if node.kind == NodeKind::Event { "event" } else { "factor" })) {
                        title {
                            (node.name) " (" (kind) ")"
                            @if let Some(d) = &node.description { ": " (d) }
                        }
                        rect x=(f(x)) y=(f(y)) width=(f(p.size.0)) height=(f(p.size.1))
                            rx=(f(radius)) fill=(fill) stroke=(border)
                            stroke-width=(if node.kind == NodeKind::Event { "2" } else { "1.5" })
                            stroke-dasharray=[node.derived.is_some().then_some("4 3")] {}
                        @if let Some(actor) = actor {
                            text x=(f(p.centre.0)) y=(f(p.centre.1 - 4.0)) text-anchor="middle"
                                font-size=(f(ACTOR_PX)) fill=(border) class="actor" { (actor) }
                            text x=(f(p.centre.0)) y=(f(p.centre.1 + 10.0)) text-anchor="middle"
                                font-size=(f(NAME_PX)) class="name" { (short_name(&node.name)) }
                        } @else {
                            text x=(f(p.centre.0)) y=(f(p.centre.1 + 4.5)) text-anchor="middle"
                                font-size=(f(NAME_PX)) class="name" { (short_name(&node.name)) }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_links_are_reversed_and_the_rest_kept() {
        let e = |from, to| Edge {
            from,
            to,
            sign: Sign::Positive,
            by: Vec::new(),
        };
        // 0 → 1 → 2 → 0 is a cycle; 0 → 2 a forward link; 1 → 1 a self-loop.
        let edges = [e(0, 1), e(1, 2), e(2, 0), e(0, 2), e(1, 1)];
        let (reversed, order) = orient(3, &edges);
        assert_eq!(reversed, vec![false, false, true, false, false]);
        assert_eq!(order, vec![0, 1, 2]);
    }

    #[test]
    fn path_work_counts_paths_and_saturates() {
        // A diamond: 0 → {1, 2} → 3. Paths from 3: 1; from 1 and 2: 2; from 0: 5.
        let succ = vec![vec![1, 2], vec![3], vec![3], vec![]];
        assert_eq!(path_work(&succ, &[0, 1, 2, 3]), 2 + 2 + 1 + 1);
        // Sixty layers of two nodes, each linked to both of the next: 2^60 paths.
        let n = 120;
        let succ: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                if i + 2 < n {
                    vec![(i / 2 + 1) * 2, (i / 2 + 1) * 2 + 1]
                } else {
                    vec![]
                }
            })
            .collect();
        let order: Vec<usize> = (0..n).collect();
        assert!(path_work(&succ, &order) > MAX_PATH_WORK);
    }

    #[test]
    fn crossing_work_counts_long_links_in_every_layer_they_cross() {
        // 0 → 1 → 2 and 0 → 2: layers [0], [1, waypoint], [2].
        let succ = vec![vec![1, 2], vec![2], vec![]];
        assert_eq!(crossing_work(&succ, &[0, 1, 2]), 1 + 8 + 1);
    }
}
