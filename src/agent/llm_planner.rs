//! The LLM-backed planner (placeholder in this branch; the LLM planner branch provides the real file).
