//! A run's conversation and actions grouped into the agent's steps, for step-by-step views (`run steps`, the run
//! page). Messages and actions are stored in two tables without a step number; they are grouped by order and time:
//! a step starts with the model being asked (a `system` or `user` message after the previous answer) and holds the
//! answer and the actions logged from the moment the step started until the next one started.

use serde::{Deserialize, Serialize};

use super::types::{Action, Message, Role};

/// One step of a run: what the model was told and answered, and the actions that followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Step {
    /// 1-based.
    pub number: u32,
    pub messages: Vec<Message>,
    pub actions: Vec<Action>,
}

/// Groups messages (in logged order) and actions (in logged order) into steps. A run without a captured
/// conversation gets one step per action.
pub fn group(messages: &[Message], actions: &[Action]) -> Vec<Step> {
    if messages.is_empty() {
        return actions
            .iter()
            .enumerate()
            .map(|(i, a)| Step { number: i as u32 + 1, messages: Vec::new(), actions: vec![a.clone()] })
            .collect();
    }
    let mut steps: Vec<Step> = Vec::new();
    // Start time of each step: the time of its first message.
    let mut starts: Vec<i64> = Vec::new();
    for m in messages {
        let answered = steps.last().is_some_and(|s| s.messages.iter().any(|x| x.role == Role::Assistant));
        // A tool result belongs to the step whose answer called the tool.
        let new_step = steps.is_empty() || (answered && m.role != Role::Tool);
        if new_step {
            steps.push(Step { number: steps.len() as u32 + 1, messages: Vec::new(), actions: Vec::new() });
            starts.push(m.ts_ms);
        }
        if let Some(step) = steps.last_mut() {
            step.messages.push(m.clone());
        }
    }
    for a in actions {
        // The last step that had started by the time of the action (the first step for earlier actions).
        let i = starts.iter().rposition(|&t| t <= a.ts_ms).unwrap_or(0);
        steps[i].actions.push(a.clone());
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: Role, ts_ms: i64) -> Message {
        Message {
            role,
            content: format!("{} at {ts_ms}", role.as_str()),
            tool_calls: serde_json::Value::Null,
            tokens: Default::default(),
            ts_ms,
        }
    }

    fn act(target: &str, ts_ms: i64) -> Action {
        Action { action_type: "click".into(), target: target.into(), success: true, duration_ms: 1, error: None, ts_ms }
    }

    #[test]
    fn each_question_and_answer_starts_a_step_and_actions_follow_their_answer() {
        let messages = [
            msg(Role::System, 100),
            msg(Role::User, 100),
            msg(Role::Assistant, 110),
            msg(Role::User, 150),
            msg(Role::Assistant, 160),
            msg(Role::Assistant, 200),
        ];
        // The first action shares its answer's millisecond; the last comes after the third answer.
        let actions = [act("a", 110), act("b", 130), act("c", 170), act("d", 210)];
        let steps = group(&messages, &actions);
        let shape: Vec<(u32, Vec<Role>, Vec<&str>)> = steps
            .iter()
            .map(|s| {
                (s.number, s.messages.iter().map(|m| m.role).collect(), s.actions.iter().map(|a| &*a.target).collect())
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (1, vec![Role::System, Role::User, Role::Assistant], vec!["a", "b"]),
                (2, vec![Role::User, Role::Assistant], vec!["c"]),
                (3, vec![Role::Assistant], vec!["d"]),
            ]
        );
    }

    #[test]
    fn without_a_conversation_every_action_is_a_step_and_early_actions_join_the_first() {
        let steps = group(&[], &[act("a", 1), act("b", 2)]);
        assert_eq!(steps.iter().map(|s| (s.number, s.actions.len())).collect::<Vec<_>>(), vec![(1, 1), (2, 1)]);
        let steps = group(&[msg(Role::User, 50), msg(Role::Assistant, 60)], &[act("early", 10)]);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].actions[0].target, "early");
    }
}
