import { describe, expect, it } from "vitest";
import { renderInvite } from "../../controller/adapters/mail/index.js";
import { BackendError } from "../../controller/model/index.js";
import { TOKEN, invite } from "./fixtures.js";

describe("invite template", () => {
  it("names the organization, the role and the accept link in both parts", () => {
    const { subject, text, html } = renderInvite(invite());
    expect(subject).toBe("You're invited to join Acme Inc. on Workjet");
    for (const body of [text, html]) {
      expect(body).toContain("Acme Inc.");
      expect(body).toContain("admin");
      expect(body).toContain(`https://portal.example.com/accept?token=${TOKEN}`);
      expect(body).toContain("2025-03-08 10:00 UTC");
      expect(body).toContain("bob@acme.com");
    }
    expect(text).toContain("as an admin.");
    expect(renderInvite(invite({ role: "member" })).text).toContain("as a member.");
    expect(html).toContain(`<a href="https://portal.example.com/accept?token=${TOKEN}">`);
  });

  it("escapes everything interpolated into the HTML", () => {
    const { subject, html, text } = renderInvite(
      invite({
        orgDisplayName: `<script>alert("x")</script> & Co's`,
        acceptUrl: `https://portal.example.com/accept?token=a&b="<x>"`,
      }),
    );
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s");
    // The URL parser percent-encodes quotes and brackets; the & is escaped in the attribute.
    expect(html).toContain('href="https://portal.example.com/accept?token=a&amp;b=%22%3Cx%3E%22"');
    // The plain-text part and the subject are not HTML: they keep the name as written.
    expect(text).toContain(`<script>alert("x")</script> & Co's`);
    expect(subject).toContain("<script>");
  });

  it("keeps a display name with line breaks on one subject line, and falls back to the slug", () => {
    expect(renderInvite(invite({ orgDisplayName: "Acme\r\nBcc: evil@x.com" })).subject).toBe(
      "You're invited to join Acme Bcc: evil@x.com on Workjet",
    );
    expect(renderInvite(invite({ orgDisplayName: " " })).subject).toContain("join acme on");
  });

  it("refuses an accept link that is not http(s)", () => {
    expect(() => renderInvite(invite({ acceptUrl: "javascript:alert(1)" }))).toThrow(BackendError);
    expect(() => renderInvite(invite({ acceptUrl: "not a url" }))).toThrow(/not a URL/);
  });
});
