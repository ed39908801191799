// The console's topics page: each topic's title and first lines (one per line), saved one topic at
// a time (PUT /api/admin/topics/:id), a new topic, and deleting one ("general" stays).
import type { AdminTopic, AdminTopicsResponse } from "../../../worker/protocol";
import { clear, h } from "../dom";
import { call } from "./api";
import { actionButton, showError, type Ctx } from "./context";

export async function topicsPage(ctx: Ctx, view: HTMLElement): Promise<void> {
  const list = h("div", { class: "topic-list", id: "topic-list" });

  const editor = (topic: AdminTopic | null) => {
    const id = h("input", { name: "id", value: topic?.id ?? "", "aria-label": ctx.t("topicId"), placeholder: ctx.t("topicId"), readonly: topic !== null, required: true });
    const title = h("input", { name: "title", value: topic?.title ?? "", "aria-label": ctx.t("topicTitle"), placeholder: ctx.t("topicTitle"), required: true });
    const prompts = h("textarea", { name: "prompts", rows: 4, "aria-label": ctx.t("topicPrompts"), placeholder: ctx.t("topicPrompts") });
    prompts.value = (topic?.prompts ?? []).join("\n");
    const listed = h("input", { type: "checkbox", name: "listed", checked: topic ? topic.listed : true, disabled: topic?.id === "general" });
    const form = h(
      "form",
      { class: "topic-edit", "data-topic": topic?.id ?? "" },
      h("div", { class: "inline" }, id, title, h("label", {}, listed, " ", ctx.t("topicListed"))),
      prompts,
      h("div", { class: "inline" }, h("button", { type: "submit", class: "primary" }, topic ? ctx.t("save") : ctx.t("addTopic"))),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        title: title.value.trim(),
        prompts: prompts.value.split("\n").map((p) => p.trim()).filter((p) => p.length > 0),
        listed: listed.checked,
        ...(topic ? { position: topic.position } : {}),
      };
      try {
        show((await call<AdminTopicsResponse>("PUT", `/topics/${encodeURIComponent(id.value.trim())}`, body)).topics);
        ctx.toast(ctx.t("saved"));
      } catch (err) {
        showError(ctx, err);
      }
    });
    if (topic && topic.id !== "general") {
      form.querySelector(".inline:last-child")!.appendChild(
        actionButton(ctx, ctx.t("remove"), { confirm: ctx.t("confirmDeleteTopic"), danger: true, id: `delete-${topic.id}` }, async () => {
          show((await call<AdminTopicsResponse>("DELETE", `/topics/${encodeURIComponent(topic.id)}`)).topics);
        }),
      );
    }
    return form;
  };

  const show = (topics: AdminTopic[]) => {
    clear(list);
    for (const topic of topics) list.appendChild(editor(topic));
    list.appendChild(h("h2", {}, ctx.t("addTopic")));
    list.appendChild(editor(null));
  };

  view.append(h("h1", {}, ctx.t("topics")), h("p", { class: "muted" }, ctx.t("topicsHint")), list);
  show((await call<AdminTopicsResponse>("GET", "/topics")).topics);
}
