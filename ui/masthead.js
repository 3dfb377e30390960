// The agent pages' header as one element: home link, navigation, a slot for the bell, the account menu.
// Text goes through {{ }} (escaped by Vue) only.
export default {
  props: { nav: Array, name: String, email: String, initials: String, settings: String, password: String,
           profile: String, replies: String, color: String, t: Object },
  template: `
    <div class="w-full flex flex-nowrap items-center gap-3">
      <a href="/messenger" class="flex items-center gap-2 no-underline text-slate-900 shrink-0" :aria-label="t.home">
        <q-icon name="chat_bubble" color="primary" size="sm"></q-icon>
        <span class="text-lg font-semibold tracking-tight">Parley</span>
      </a>
      <nav class="flex gap-1 ml-2 max-sm:hidden flex-nowrap" :aria-label="t.main">
        <q-btn v-for="item in nav" :key="item.href" type="a" :href="item.href" :icon="item.icon" flat no-caps dense
               no-wrap :aria-label="item.label" :aria-current="item.current ? 'page' : null"
               :color="item.current ? 'primary' : 'grey-8'" :class="'px-2' + (item.current ? ' bg-indigo-50' : '')">
          <span :class="'ml-2 ' + (nav.length > 6 ? 'max-2xl:hidden' : 'max-xl:hidden')">{{ item.label }}</span>
          <q-tooltip :class="nav.length > 6 ? '2xl:hidden' : 'xl:hidden'">{{ item.label }}</q-tooltip>
        </q-btn>
      </nav>
      <div class="flex-grow"></div>
      <slot></slot>
      <q-btn flat round dense :aria-label="t.account" class="parley-focus">
        <q-avatar :color="color === 'primary' ? 'primary' : color + '-2'"
                  :text-color="color === 'primary' ? 'white' : color + '-9'" size="32px" font-size="0.4em" aria-hidden="true">
          {{ initials }}
        </q-avatar>
        <q-menu anchor="bottom right" self="top right" max-height="90vh">
          <div class="px-4 py-3 flex flex-col">
            <span class="font-medium">{{ name }}</span>
            <span class="text-sm text-slate-500">{{ email }}</span>
          </div>
          <q-separator></q-separator>
          <q-list>
            <q-item v-for="item in nav" :key="item.href" clickable tag="a" :href="item.href" class="sm:hidden">
              <q-item-section>{{ item.label }}</q-item-section>
            </q-item>
            <q-item clickable tag="a" :href="profile"><q-item-section>{{ t.profile }}</q-item-section></q-item>
            <q-item clickable tag="a" :href="replies"><q-item-section>{{ t.replies }}</q-item-section></q-item>
            <q-item clickable tag="a" :href="settings"><q-item-section>{{ t.settings }}</q-item-section></q-item>
            <q-item clickable tag="a" :href="password"><q-item-section>{{ t.password }}</q-item-section></q-item>
            <q-item clickable v-close-popup @click="$emit('sign_out')"><q-item-section>{{ t.signOut }}</q-item-section></q-item>
          </q-list>
        </q-menu>
      </q-btn>
    </div>
  `,
};
