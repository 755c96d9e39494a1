// Building page elements, in the console and the extension alike.
//
// Everything a result holds reaches the page as text: an attribute's value through
// setAttribute, a child that is not already a node through a text node, and `text` sets the
// element's textContent. Nothing is ever parsed as markup (no innerHTML), so a link, a platform's
// name or an advice text shows as the characters it is, whatever it contains.

/**
 * A new `tag` element. attributes: `class` sets the class name, `text` the text content, any
 * other name an attribute (true: present and empty; null, undefined or false: left out).
 * children: nodes, or values shown as text; arrays are spread, and null, undefined, false and ""
 * are left out, so a child can be written `condition ? el(...) : null`.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false || child === "") continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
