import { Banner } from "@shopify/polaris";

/** The `tiny` model profile (tests and the demo) makes random-noise images: say so wherever they show. */
export function NoiseNotice({ profile }: { profile: string }) {
  if (profile !== "tiny") return null;
  return (
    <Banner tone="info" title="Demo mode: the images are noise">
      <p>
        This server runs the <code>tiny</code> model profile: small, untrained models that test every step of the
        pipeline in seconds. Their scene images are random noise, and their scores mean nothing. A production server
        uses Stable Diffusion 2.1.
      </p>
    </Banner>
  );
}
