//! `warp-cli vnet`: the virtual networks this device may use and the active one. JSON only
//! (`{"virtual_networks":[{"id":…,"name":…}],"active_vnet_id":…}`); its text shape is not
//! documented, so a text answer is not read. Never panics.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vnet {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vnets {
    pub list: Vec<Vnet>,
    pub active_id: Option<String>,
}

impl Vnets {
    /// The active network's name (its id when the list does not name it).
    pub fn active_name(&self) -> Option<String> {
        let id = self.active_id.as_ref()?;
        Some(
            self.list
                .iter()
                .find(|v| &v.id == id)
                .map_or_else(|| id.clone(), |v| v.name.clone()),
        )
    }
}

/// A JSON scalar as text (ids may be strings or numbers).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(super::clean_text(s).chars().take(200).collect()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn from_json(v: &Value) -> Option<Vnets> {
    let list = v.get("virtual_networks")?.as_array()?;
    let list = list
        .iter()
        .filter_map(|n| {
            let id = n.get("id").and_then(scalar)?;
            let name = n.get("name").and_then(scalar).unwrap_or_else(|| id.clone());
            Some(Vnet { id, name })
        })
        .collect();
    Some(Vnets {
        list,
        active_id: v.get("active_vnet_id").and_then(scalar),
    })
}

/// The text shape is not documented: never read.
pub fn from_text(_text: &str) -> Option<Vnets> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_shape() {
        let cases: &[(Value, Option<&str>, usize)] = &[
            (
                serde_json::json!({"virtual_networks": [{"id": "a1", "name": "a1net"}, {"id": "b1", "name": "b1net"}], "active_vnet_id": "b1"}),
                Some("b1net"),
                2,
            ),
            (
                serde_json::json!({"virtual_networks": [{"id": 7}], "active_vnet_id": 7}),
                Some("7"),
                1,
            ),
            (
                serde_json::json!({"virtual_networks": [], "active_vnet_id": null}),
                None,
                0,
            ),
            (
                serde_json::json!({"virtual_networks": [{"name": "no id"}], "active_vnet_id": "zz"}),
                Some("zz"),
                0,
            ),
        ];
        for (v, active, n) in cases {
            let got = from_json(v).unwrap();
            assert_eq!(got.active_name().as_deref(), *active, "{v}");
            assert_eq!(got.list.len(), *n, "{v}");
        }
        assert!(from_json(&serde_json::json!({"code": "X", "error": "y"})).is_none());
        assert!(from_text("anything").is_none());
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200), s in "\\PC{0,30}") {
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                let _ = from_json(&v).map(|x| x.active_name());
            }
            let _ = from_json(&serde_json::json!({"virtual_networks": [{"id": s, "name": [s]}], "active_vnet_id": s}));
        }
    }
}
