// The care card in the chat page: the server's `care` frame (sent to this person only) shows a
// calm card; a tap on a line dials it with wx.makePhoneCall; 知道了 closes it.
import { describe, expect, it } from "vitest";
import { chatInRoom } from "./screen";
import { usePages } from "./simulate";

const pages = usePages(5);
const { settle } = pages;

const openChat = () => chatInRoom(pages);

describe("care card", () => {
  it("appears on the care frame, dials a line on tap, and closes", async () => {
    const { page, room } = await openChat();
    expect(page.dom!.textContent).not.toContain("你并不孤单");
    room.receive({
      type: "care",
      hotlines: [
        { name: "全国心理援助热线", phone: "12356" },
        { name: "希望24热线", phone: "400-161-9995" },
      ],
    });
    await settle();
    expect(page.dom!.textContent).toContain("你并不孤单");
    const card = page.querySelector(".care-card")!;
    const lines = card.querySelectorAll(".line");
    expect(lines.map((l) => l.dom!.textContent)).toEqual(["全国心理援助热线12356", "希望24热线400-161-9995"]);
    lines[0].dispatchEvent("tap");
    await settle();
    expect(pages.fake.phoneCalls).toEqual(["12356"]);
    card.querySelector(".close")!.dispatchEvent("tap");
    await settle();
    expect(page.dom!.textContent).not.toContain("你并不孤单");
    // The chat goes on: closing the card sent nothing.
    expect(room.frames).toEqual([]);
  });
});
