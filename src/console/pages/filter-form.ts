import { field, h } from "../dom";

export interface FilterField {
  name: string;
  label: string;
  checkbox?: boolean;
}

/** A search form over `fields`, prefilled from `current`; `onSubmit` gets the form. */
export function filterForm(
  fields: readonly FilterField[],
  current: Record<string, string>,
  onSubmit: (form: HTMLFormElement) => void,
  submitLabel = "Search",
): HTMLFormElement {
  const form: HTMLFormElement = h(
    "form",
    {
      class: "filters",
      onsubmit: (e: Event) => {
        e.preventDefault();
        onSubmit(form);
      },
    },
    ...fields.map((f) =>
      f.checkbox
        ? h(
            "label",
            { class: "check" },
            h("input", { type: "checkbox", name: f.name, checked: current[f.name] === "true" }),
            ` ${f.label}`,
          )
        : h(
            "label",
            {},
            f.label,
            h("input", { name: f.name, value: current[f.name] ?? "", autocomplete: "off" }),
          ),
    ),
    h("button", { type: "submit" }, submitLabel),
  );
  return form;
}

export function readForm(form: HTMLFormElement, fields: readonly FilterField[]) {
  return Object.fromEntries(fields.map((f) => [f.name, field(form, f.name)]));
}
