//! Placeholders in standard phrases and macros: `{customer.name}` filled from named values.

/// `{name}` variables of `text` filled from `vars`; the names that had no value.
pub fn fill(text: &str, vars: &[(&str, String)]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unfilled = vec![];
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    && end > 0 =>
            {
                let name = &after[..end];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) if !v.is_empty() => out.push_str(v),
                    _ => {
                        out.push_str(&rest[start..start + end + 2]);
                        unfilled.push(name.to_string());
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, unfilled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_or_reported() {
        let vars = [
            ("customer.name", "陈静".to_string()),
            ("agent.name", "Li".to_string()),
            ("order.number", String::new()),
        ];
        let (s, missing) = fill(
            "您好 {customer.name}，我是 {agent.name}。订单 {order.number} {x",
            &vars,
        );
        assert_eq!(s, "您好 陈静，我是 Li。订单 {order.number} {x");
        assert_eq!(missing, vec!["order.number".to_string()]);
        let (s, missing) = fill("{} {a b} }{", &vars);
        assert_eq!(s, "{} {a b} }{");
        assert!(missing.is_empty());
    }
}
