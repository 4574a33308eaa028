// esbuild bundles CSS imported from TypeScript into a sibling .css file (inspect.css).
declare module "*.css";
