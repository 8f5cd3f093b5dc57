//! `ui/src/bindings.ts`, generated from the core's operation table: every type an operation takes, emits or answers
//! (with serde's shapes; 64-bit integers as `number`), the edge error, and `Operations`, the typed map from each
//! operation name to its input, event and output types, shape, access and reach, with `OPERATIONS` listing them at
//! run time. The UI's transport is typed from it, so a UI call cannot disagree with the Rust operation. The file is
//! committed with a "do not edit" header; `tests/bindings.rs` regenerates it and fails on any difference
//! (`BROWSER_AI_MLOPS_WRITE_BINDINGS=1 cargo test -p browser-ai-mlops-desktop --test bindings` rewrites it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use browser_ai_mlops_core::api;
use specta::datatype::{DataType, Primitive};
use specta::{Format, Type, Types};
use specta_typescript::{Number, Typescript, primitives};
use specta_util::Remapper;

pub const HEADER: &str = "// Generated from the operation table by src-tauri/src/bindings.rs — do not edit.\n\
// Regenerate: BROWSER_AI_MLOPS_WRITE_BINDINGS=1 cargo test -p browser-ai-mlops-desktop --test bindings\n";

/// Why the bindings could not be produced.
#[derive(Debug, thiserror::Error)]
#[error("TypeScript export failed: {0}")]
pub struct BindingsError(String);

fn failed(e: impl std::fmt::Display) -> BindingsError {
    BindingsError(e.to_string())
}

/// serde's shapes (one shape for both directions) with 64-bit integers as `number`: they are UTC milliseconds,
/// counts and token sums, far below 2^53, and serde_json writes them as JSON numbers.
struct Shapes(Remapper);

impl Shapes {
    fn new() -> Shapes {
        let number = <Number as Type>::definition(&mut Types::default());
        let mut remapper = Remapper::new();
        for p in [Primitive::usize, Primitive::isize, Primitive::u64, Primitive::i64, Primitive::u128, Primitive::i128]
        {
            remapper = remapper.rule(DataType::Primitive(p), number.clone());
        }
        Shapes(remapper)
    }
}

impl Format for Shapes {
    fn map_types(&'_ self, types: &Types) -> Result<std::borrow::Cow<'_, Types>, specta::FormatError> {
        let types = specta_serde::Format.map_types(types)?;
        Ok(std::borrow::Cow::Owned(self.0.remap_types(types.into_owned())))
    }

    fn map_type(&'_ self, types: &Types, dt: &DataType) -> Result<std::borrow::Cow<'_, DataType>, specta::FormatError> {
        let dt = specta_serde::Format.map_type(types, dt)?;
        Ok(std::borrow::Cow::Owned(self.0.remap_dt(dt.into_owned())))
    }
}

fn word<T: serde::Serialize>(value: T) -> String {
    serde_json::to_string(&value).unwrap_or_default()
}

/// The whole file.
pub fn render() -> Result<String, BindingsError> {
    let mut types = Types::default();
    let mut ops = Vec::new();
    for op in api::table() {
        let input = (op.input)(&mut types);
        let output = (op.output)(&mut types);
        let event = op.event.map(|e| e(&mut types));
        ops.push((op, input, output, event));
    }
    for register in [<api::edge::EdgeError as Type>::definition, <api::edge::EdgeErrorKind as Type>::definition] {
        register(&mut types);
    }
    let shapes = Shapes::new();
    let ts = Typescript::default().header(HEADER);
    let mut out = ts.export(&types, &shapes).map_err(failed)?;

    let formatted = shapes.map_types(&types).map_err(failed)?;
    let name_of = |dt: &DataType| -> Result<String, BindingsError> {
        let dt = shapes.map_type(&formatted, dt).map_err(failed)?;
        primitives::reference(&ts, &formatted, &dt).map_err(failed)
    };
    out.push_str("\n/** Every operation of the table: its input, event (streaming only) and output types, and how it may be called. */\n");
    out.push_str("export type Operations = {\n");
    for (op, input, output, event) in &ops {
        let event = match event {
            Some(e) => name_of(e)?,
            None => "never".to_string(),
        };
        let _ = writeln!(
            out,
            "\t{}: {{ input: {}; event: {event}; output: {}; shape: {}; access: {}; reach: {} }};",
            word(op.name),
            name_of(input)?,
            name_of(output)?,
            word(op.shape()),
            word(op.access),
            word(op.reach),
        );
    }
    out.push_str("};\n\n/** The operation names with their shape, access and reach, in table order. */\nexport const OPERATIONS = [\n");
    for (op, ..) in &ops {
        let _ = writeln!(
            out,
            "\t{{ name: {}, shape: {}, access: {}, reach: {} }},",
            word(op.name),
            word(op.shape()),
            word(op.access),
            word(op.reach)
        );
    }
    out.push_str("] as const;\n\n");
    out.push_str(
        "/** What a streaming operation sends, in order: events, then one `done` or `error` (SSE `data:` and the app's channel alike). */\n\
         export type StreamMessage<E, O> = { type: \"event\"; data: E } | { type: \"done\"; data: O } | { type: \"error\"; data: EdgeError };\n",
    );
    Ok(out)
}

/// `ui/src/bindings.ts` in this repository.
pub fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("ui").join("src").join("bindings.ts")
}
