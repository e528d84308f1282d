import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";

import { SiteHeader } from "@/components/site-header";
import { body, container, main } from "@/components/styles";

import "./globals.css";

export const metadata: Metadata = {
  title: { default: "OAuth Next App", template: "%s · OAuth Next App" },
  description: "Sign in with Google, GitHub or any OpenID Connect provider.",
};

export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#15171e" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className={body}>
        <a
          className="absolute -top-16 left-4 z-50 rounded-control bg-accent px-4 py-[0.6rem] font-semibold text-on-accent no-underline focus:top-3 focus:text-on-accent"
          href="#main"
        >
          Skip to content
        </a>
        <SiteHeader />
        <main id="main" className={main} tabIndex={-1}>
          {children}
        </main>
        <footer className="border-t border-line bg-surface text-[0.88rem] text-muted">
          <div className={`${container} flex flex-wrap justify-between gap-x-6 gap-y-1 py-[1.1rem]`}>
            <p>OAuth Next App: OAuth 2.0 and OpenID Connect sign-in with server-checked sessions.</p>
            <p>Your password stays with your provider.</p>
          </div>
        </footer>
      </body>
    </html>
  );
}
