// The app shell. Everything stateful lives in the pages and lib/; nothing here knows wx from qq.
App({});
