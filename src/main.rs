use whatif::span::SourceMap;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let text = whatif::syntax::decode(&bytes).unwrap();
    let mut map = SourceMap::new();
    let id = map.add(path.clone(), text.clone());
    let t = std::time::Instant::now();
    match whatif::syntax::parse(id, &text, &Default::default()) {
        Ok(p) => println!("ok {} items in {:?}", p.ast.items.len(), t.elapsed()),
        Err(es) => {
            for e in es {
                let r = miette::Report::new(e).with_source_code(map.get(id).named_source());
                eprintln!("{r:?}");
            }
        }
    }
}
