//! Arrow keys in the group tree (WAI-ARIA tree pattern): Up and Down move between visible
//! groups, Right opens a group or enters it, Left closes it or goes to its parent, Home and
//! End go to the first and last group. Works on the rendered tree, so it needs no state.

#[cfg(feature = "hydrate")]
pub fn on_tree_key(event: leptos::ev::KeyboardEvent) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Element, HtmlElement};

    let Some(tree) = event
        .current_target()
        .and_then(|target| target.dyn_into::<Element>().ok())
    else {
        return;
    };
    let Some(focused) = leptos::prelude::document().active_element() else {
        return;
    };
    // Only the group links take part; the expand buttons are reached with Right and Left.
    let Ok(links) = tree.query_selector_all("li[role=treeitem] > a") else {
        return;
    };
    let links: Vec<HtmlElement> = (0..links.length())
        .filter_map(|i| links.item(i))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        .collect();
    let Some(at) = links.iter().position(|link| {
        let link: &Element = link.as_ref();
        link == &focused
    }) else {
        return;
    };
    let item = focused.parent_element();
    let twisty = item
        .as_ref()
        .and_then(|li| li.query_selector(":scope > button.twisty").ok().flatten())
        .and_then(|button| button.dyn_into::<HtmlElement>().ok());
    let expanded = item
        .as_ref()
        .and_then(|li| li.get_attribute("aria-expanded"))
        .map(|value| value == "true");
    let parent_link = || {
        item.as_ref()
            .and_then(|li| li.parent_element())
            .and_then(|group| group.closest("li[role=treeitem]").ok().flatten())
            .and_then(|li| li.query_selector(":scope > a").ok().flatten())
            .and_then(|link| link.dyn_into::<HtmlElement>().ok())
    };
    let target = match event.key().as_str() {
        "ArrowDown" => links.get(at + 1).cloned(),
        "ArrowUp" => at.checked_sub(1).and_then(|i| links.get(i).cloned()),
        "Home" => links.first().cloned(),
        "End" => links.last().cloned(),
        "ArrowRight" => match (expanded, twisty) {
            (Some(false), Some(button)) => {
                button.click();
                None
            }
            (Some(true), _) => links.get(at + 1).cloned(),
            _ => None,
        },
        "ArrowLeft" => match (expanded, twisty) {
            (Some(true), Some(button)) => {
                button.click();
                None
            }
            _ => parent_link(),
        },
        _ => return,
    };
    event.prevent_default();
    if let Some(link) = target {
        let _ = link.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn on_tree_key(_event: leptos::ev::KeyboardEvent) {}
